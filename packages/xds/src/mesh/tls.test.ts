// Cluster transport_socket → per-cluster TLS: the UpstreamTlsContext read (providers, SDS over ADS,
// combined validation contexts, what makes a cluster unusable), SAN matchers as a server identity
// check, and options shared per configuration. Resources in the decode contract's shape.
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import type { TlsOptions, TlsSource } from '@meshlet/core';
import { SECRET } from '../type-urls.js';
import { ClusterTlsCache } from './tls-clusters.js';
import { upstreamTls } from './tls-context.js';
import { sanCheck, subjectAltNames } from './tls-san.js';
import type { Obj } from './values.js';

const UTC = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const ADS = { ads: {}, configSourceSpecifier: 'ads' };

function cluster(common: Obj | undefined, extra: Obj = {}): Obj {
  return {
    name: 'c1', type: 'EDS',
    ...(common === undefined ? {} : { transportSocket: { name: 'envoy.transport_sockets.tls', typedConfig: { '@type': UTC, commonTlsContext: common, ...extra } } }),
  };
}

const grpcStyle = (sans: Obj[] = []): Obj => ({
  tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'DEFAULT' },
  validationContextType: 'validationContext',
  validationContext: { caCertificateProviderInstance: { instanceName: 'roots' }, matchSubjectAltNames: sans },
});

test('no transport_socket: plaintext; raw_buffer too; anything but an UpstreamTlsContext: unusable', () => {
  assert.equal(upstreamTls(cluster(undefined)), undefined);
  assert.equal(upstreamTls({ name: 'c', transportSocket: { name: 'envoy.transport_sockets.raw_buffer' } }), undefined);
  const alts = upstreamTls({ name: 'c', transportSocket: { name: 'alts', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts' } } });
  assert.match((alts as { unusable: string }).unusable, /cluster c: transport_socket envoy\.extensions\.transport_sockets\.alts\.v3\.Alts is not an UpstreamTlsContext/);
});

test("gRPC's style: provider instances for the certificate and the roots, SANs, SNI", () => {
  const spec = upstreamTls(cluster(grpcStyle([{ exact: 'spiffe://a' }]), { sni: 'echo.svc' }));
  assert.ok(spec !== undefined && !('unusable' in spec));
  assert.deepEqual(spec.identity, { kind: 'provider', instance: 'default' });
  assert.deepEqual(spec.roots, { kind: 'provider', instance: 'roots' });
  assert.deepEqual(spec.sans, [{ type: undefined, matcher: { exact: 'spiffe://a' } }]);
  assert.equal(spec.sni, 'echo.svc');
  // The deprecated CertificateProviderInstance fields too.
  const old = upstreamTls(cluster({
    tlsCertificateCertificateProviderInstance: { instanceName: 'old' },
    validationContextType: 'validationContextCertificateProviderInstance',
    validationContextCertificateProviderInstance: { instanceName: 'oldroots' },
  }));
  assert.ok(old !== undefined && !('unusable' in old));
  assert.deepEqual([old.identity, old.roots], [{ kind: 'provider', instance: 'old' }, { kind: 'provider', instance: 'oldroots' }]);
});

test("Istio's proxyless CDS: a combined validation context whose default names the provider's ROOTCA", () => {
  const spec = upstreamTls(cluster({
    tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
    validationContextType: 'combinedValidationContext',
    combinedValidationContext: {
      defaultValidationContext: {
        caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' },
        matchSubjectAltNames: [{ exact: 'spiffe://cluster.local/ns/default/sa/echo-app' }],
      },
    },
  }));
  assert.ok(spec !== undefined && !('unusable' in spec));
  assert.deepEqual([spec.identity, spec.roots], [{ kind: 'provider', instance: 'default' }, { kind: 'provider', instance: 'default' }]);
  assert.deepEqual(spec.sans, [{ type: undefined, matcher: { exact: 'spiffe://cluster.local/ns/default/sa/echo-app' } }]);
});

test("Envoy's style: SDS over ADS, plain and combined validation contexts; typed SAN matchers", () => {
  const plain = upstreamTls(cluster({
    tlsCertificateSdsSecretConfigs: [{ name: 'cert', sdsConfig: ADS }],
    validationContextType: 'validationContextSdsSecretConfig',
    validationContextSdsSecretConfig: { name: 'roots', sdsConfig: ADS },
  }));
  assert.ok(plain !== undefined && !('unusable' in plain));
  assert.deepEqual([plain.identity, plain.roots, plain.sans], [{ kind: 'sds', secret: 'cert' }, { kind: 'sds', secret: 'roots' }, []]);
  const combined = upstreamTls(cluster({
    tlsCertificateSdsSecretConfigs: [{ name: 'cert', sdsConfig: ADS }],
    validationContextType: 'combinedValidationContext',
    combinedValidationContext: {
      defaultValidationContext: { matchTypedSubjectAltNames: [{ sanType: 'URI', matcher: { prefix: 'spiffe://meshlet.test/' } }] },
      validationContextSdsSecretConfig: { name: 'roots', sdsConfig: ADS },
    },
  }));
  assert.ok(combined !== undefined && !('unusable' in combined));
  assert.deepEqual(combined.sans, [{ type: 'URI', matcher: { prefix: 'spiffe://meshlet.test/' } }]);
});

test('what makes a TLS cluster unusable says why: no roots, SDS not over ADS, inline material, unknown SAN types', () => {
  const why = (c: Obj) => (upstreamTls(c) as { unusable?: string }).unusable ?? '';
  assert.match(why(cluster({ tlsCertificateProviderInstance: { instanceName: 'default' } })), /names no trusted roots/);
  assert.match(why(cluster({
    validationContextType: 'validationContextSdsSecretConfig',
    validationContextSdsSecretConfig: { name: 'roots', sdsConfig: { apiConfigSource: { apiType: 'GRPC' }, configSourceSpecifier: 'apiConfigSource' } },
  })), /secret roots is not served over ADS/);
  assert.match(why(cluster({ tlsCertificates: [{ certificateChain: { inlineString: 'x' } }], validationContext: { caCertificateProviderInstance: { instanceName: 'r' } } })), /inline tls_certificates are not supported/);
  assert.match(why(cluster({ validationContext: { trustedCa: { inlineString: 'x' } } })), /inline trusted_ca is not supported/);
  assert.match(why(cluster({ validationContext: { caCertificateProviderInstance: { instanceName: 'r' }, matchTypedSubjectAltNames: [{ sanType: 'OTHER_NAME', matcher: { exact: 'x' } }] } })), /SAN type OTHER_NAME is not supported/);
});

const cert = (subjectaltname: string) => ({ subjectaltname }) as PeerCertificate;

test('SAN matchers: exact, prefix, suffix, contains, safe_regex, ignore_case, typed; a miss is an altname error', () => {
  const server = cert('DNS:localhost, IP Address:127.0.0.1, URI:spiffe://meshlet.test/ns/default/sa/server');
  const ok = (sans: Obj[], c = server) => sanCheck(sans.map((matcher) => ({ type: undefined, matcher })))!('127.0.0.1', c) === undefined;
  assert.equal(ok([{ exact: 'spiffe://meshlet.test/ns/default/sa/server' }]), true);
  assert.equal(ok([{ exact: 'spiffe://meshlet.test/ns/default/sa/other' }]), false);
  assert.equal(ok([{ prefix: 'spiffe://meshlet.test/ns/default/' }]), true);
  assert.equal(ok([{ suffix: '/sa/server' }]), true);
  assert.equal(ok([{ contains: 'ns/default' }]), true);
  assert.equal(ok([{ safeRegex: { regex: 'spiffe://meshlet\\.test/ns/[a-z]+/sa/server' } }]), true);
  assert.equal(ok([{ safeRegex: { regex: 'meshlet' } }]), false, 'safe_regex matches the whole SAN');
  assert.equal(ok([{ exact: 'LOCALHOST' }]), false);
  assert.equal(ok([{ exact: 'LOCALHOST', ignoreCase: true }]), true);
  assert.equal(ok([{ exact: 'nope' }, { exact: 'localhost' }]), true, 'any matcher may accept');
  assert.equal(ok([]), true, 'no matchers: the chain alone');
  // Typed: a URI matcher does not accept the DNS SAN, and the other way round.
  assert.equal(sanCheck([{ type: 'URI', matcher: { exact: 'localhost' } }])!('h', server) !== undefined, true);
  assert.equal(sanCheck([{ type: 'DNS', matcher: { exact: 'localhost' } }])!('h', server), undefined);
  assert.equal(sanCheck([{ type: 'IP_ADDRESS', matcher: { exact: '127.0.0.1' } }])!('h', server), undefined);
  const err = sanCheck([{ type: undefined, matcher: { exact: 'x' } }])!('h', cert('DNS:wrong.example')) as NodeJS.ErrnoException;
  assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.match(err.message, /\[DNS:wrong\.example\] match none/);
  assert.equal(sanCheck([{ type: undefined, matcher: { safeRegex: { regex: '(' } } }]), undefined, 'a pattern JS cannot compile');
  assert.deepEqual(subjectAltNames('DNS:a, URI:"x,y", email:e@x'), [['DNS', 'a'], ['URI', 'x,y'], ['email', 'e@x']]);
});

/** A watch source that records watches and lets the test push resources. */
function fakeSource(providers: Obj = {}) {
  const watchers = new Map<string, ((r: unknown) => void)[]>();
  return {
    bootstrap: { certificateProviders: providers as never },
    watch(typeUrl: string, name: string, l: (r: unknown) => void) {
      const k = `${typeUrl} ${name}`;
      watchers.set(k, [...(watchers.get(k) ?? []), l]);
      return () => watchers.set(k, (watchers.get(k) ?? []).filter((x) => x !== l));
    },
    push(typeUrl: string, name: string, r: unknown) {
      for (const l of watchers.get(`${typeUrl} ${name}`) ?? []) l(r);
    },
    watching: (typeUrl: string, name: string) => (watchers.get(`${typeUrl} ${name}`) ?? []).length,
  };
}

function fixedSource(material: { cert: string; key: string; ca?: string }): TlsSource {
  return { ready: async () => {}, current: () => material, onChange: () => () => {} };
}

test('one TLS options object per configuration: clusters alike share it (pooled connections), providers made once', () => {
  const made: string[] = [];
  const src = fakeSource({ default: { pluginName: 'file_watcher', refreshIntervalMs: 1 }, roots: { pluginName: 'file_watcher', refreshIntervalMs: 1 }, other: { pluginName: 'meshca', config: {} } });
  const cache = new ClusterTlsCache(src, (name, p) => {
    made.push(name);
    return p.pluginName === 'file_watcher' ? fixedSource({ cert: `C-${name}`, key: `K-${name}`, ca: `CA-${name}` }) : undefined;
  });
  const a = cache.of(cluster(grpcStyle([{ exact: 'x' }]))) as TlsOptions;
  const b = cache.of({ ...cluster(grpcStyle([{ exact: 'x' }])), name: 'c2' }) as TlsOptions;
  const c = cache.of(cluster(grpcStyle([{ exact: 'y' }]))) as TlsOptions;
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.deepEqual(made, ['roots', 'default']);
  assert.equal(a.mode, 'strict');
  const m = a.source!.current();
  assert.deepEqual({ ...m }, { cert: 'C-default', key: 'K-default', ca: 'CA-roots' });
  assert.equal(a.source!.current(), m, 'the same material object until a change (the engine caches contexts by it)');
  assert.equal(cache.of(cluster(undefined)), false);
  const missing = cache.of(cluster({ validationContext: { caCertificateProviderInstance: { instanceName: 'nope' } } }));
  assert.match((missing as { unusable: string }).unusable, /"nope" is not in the bootstrap's certificate_providers/);
  const other = cache.of(cluster({ validationContext: { caCertificateProviderInstance: { instanceName: 'other' } } }));
  assert.match((other as { unusable: string }).unusable, /plugin meshca, which is not supported/);
  const none = new ClusterTlsCache(src, undefined).of(cluster(grpcStyle()));
  assert.match((none as { unusable: string }).unusable, /no certificateProviders factory/);
});

test('SDS over ADS: one watch per secret; material before the first secret refuses typed; a bad push keeps the last good', async () => {
  const src = fakeSource();
  const cache = new ClusterTlsCache(src, undefined);
  const sds = (sans: Obj[] = []) => cluster({
    tlsCertificateSdsSecretConfigs: [{ name: 'cert', sdsConfig: ADS }],
    validationContextType: 'combinedValidationContext',
    combinedValidationContext: { defaultValidationContext: { matchSubjectAltNames: sans }, validationContextSdsSecretConfig: { name: 'roots', sdsConfig: ADS } },
  });
  const a = cache.of(sds()) as TlsOptions;
  cache.of(sds([{ exact: 'z' }]));
  assert.equal(src.watching(SECRET, 'cert'), 1);
  assert.equal(src.watching(SECRET, 'roots'), 1);
  assert.throws(() => a.source!.current(), (e: Error & { code?: string }) => e.code === 'UNAVAILABLE' && /not loaded yet/.test(e.message));
  let changes = 0;
  a.source!.onChange(() => changes++);
  // A secret that does not parse is refused (warned), nothing adopted.
  const warned: string[] = [];
  const onWarning = (w: Error) => warned.push(w.message);
  process.on('warning', onWarning);
  src.push(SECRET, 'roots', { name: 'roots', type: 'validationContext', validationContext: { trustedCa: { inlineString: 'not a pem' } } });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(changes, 0);
  assert.equal(warned.length, 1);
  assert.match(warned[0]!, /secret roots: trusted_ca is not a certificate/);
  cache.close();
  assert.equal(src.watching(SECRET, 'cert'), 0);
});
