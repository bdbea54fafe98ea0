// mTLS from the control plane: go-control-plane's clusters carry an UpstreamTlsContext and a
// Meshlet consumer driven only by xDS dials mTLS Dubbo and Triple providers with it — certificates
// from the bootstrap's certificate_providers (gRPC's proxyless style, file_watcher → fileTlsSource)
// or from SDS secrets over the same ADS stream (Envoy's style). A server whose SAN the cluster does
// not accept is refused, typed; a secret the control plane rotates is used by the next new
// connection while 128 calls are in flight, none failing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRuntime, currentCall, defineService, t } from '@meshlet/core';
import '@meshlet/lb';
import { fileTlsSource } from '@meshlet/security';
import { dubbo } from '@meshlet/transport-dubbo';
import { triple } from '@meshlet/transport-triple';
import { createXdsClient, xdsMesh, SECRET } from '@meshlet/xds';
import { makeCerts, tlsDir, SPIFFE_CLIENT, SPIFFE_INTRUDER, SPIFFE_SERVER } from '../security/certs.js';
import { controlPlaneBinary, ControlPlane, listener, route, cluster, types } from './control-plane.js';
import { load, sleep, until } from './mesh-helpers.js';

const Who = defineService({
  interface: 'com.meshlet.test.XdsTlsWho',
  methods: { who: { params: [], returns: t.string } },
});
const T = 'type.googleapis.com/';
const SECRET_TYPE = `${T}envoy.extensions.transport_sockets.tls.v3.Secret`;
const PROTOCOLS = { dubbo, tri: triple };

let cp;
let certs;
let nodes = 0;
const open = [];
before(async () => {
  [cp, certs] = await Promise.all([
    controlPlaneBinary().then((bin) => new ControlPlane(bin, { node: 'unused' }).start()),
    makeCerts(),
  ]);
});
after(async () => {
  await Promise.all(open.map((c) => c()));
  await cp?.kill();
});

/** An mTLS provider answering `who()` with its name and the caller's SPIFFE ID. */
async function provider(name, protocol, leaf = certs.server) {
  const mesh = createRuntime({
    protocols: [PROTOCOLS[protocol]()],
    server: { host: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true, mode: 'strict' } },
  });
  mesh.provide(Who, { who: async () => `${name}|${currentCall()?.identity?.spiffeId}` });
  await mesh.start();
  open.push(() => mesh.stop(0));
  return { name, protocol, port: mesh.address().port };
}

function endpointsRes(name, providers) {
  return {
    '@type': types.endpoints,
    cluster_name: name,
    endpoints: [{
      locality: { region: 'r1', zone: 'z1' },
      lb_endpoints: providers.map((p) => ({
        endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p.port } } },
        metadata: { filter_metadata: { meshlet: { protocol: p.protocol } } },
      })),
    }],
  };
}

const tlsSocket = (common) => ({
  transport_socket: {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`, common_tls_context: common },
  },
});
const ADS = { ads: {}, resource_api_version: 'V3' };

/** gRPC's proxyless style: both halves from the bootstrap's provider instance "default". */
const providerTls = (sans) => tlsSocket({
  tls_certificate_provider_instance: { instance_name: 'default' },
  validation_context: { ca_certificate_provider_instance: { instance_name: 'default' }, match_subject_alt_names: sans },
});

/** Envoy's style: the certificate and the roots as SDS secrets over ADS. */
const sdsTls = (sans) => tlsSocket({
  tls_certificate_sds_secret_configs: [{ name: 'client-cert', sds_config: ADS }],
  combined_validation_context: {
    default_validation_context: { match_subject_alt_names: sans },
    validation_context_sds_secret_config: { name: 'roots', sds_config: ADS },
  },
});

const certSecret = (leaf) => ({ '@type': SECRET_TYPE, name: 'client-cert', tls_certificate: { certificate_chain: { inline_string: leaf.cert }, private_key: { inline_string: leaf.key } } });
const rootsSecret = () => ({ '@type': SECRET_TYPE, name: 'roots', validation_context: { trusted_ca: { inline_string: certs.ca.cert } } });

function resources(providers, tls, extra = []) {
  return [listener(Who.interface, 'tls-routes'), route('tls-routes', 'tls-echo'), cluster('tls-echo', tls), endpointsRes('tls-echo', providers), ...extra];
}

/** A consumer runtime driven only by xDS (Dubbo and Triple references), on its own node id. */
function consumer({ certificateProviders } = {}) {
  const node = `mesh-tls-${process.pid}-${++nodes}`;
  const bootstrap = cp.bootstrap();
  bootstrap.node.id = node;
  const dir = tlsDir(certs.client, certs.ca);
  bootstrap.certificate_providers = {
    default: { plugin_name: 'file_watcher', config: { certificate_file: join(dir, 'cert.pem'), private_key_file: join(dir, 'key.pem'), ca_certificate_file: join(dir, 'ca.pem'), refresh_interval: '5s' } },
  };
  const client = createXdsClient(bootstrap, { backoff: { initial: 50, max: 500 } });
  const factory = certificateProviders ?? ((_name, p) => p.pluginName === 'file_watcher'
    ? fileTlsSource({ certFile: p.certificateFile, keyFile: p.privateKeyFile, caFile: p.caCertificateFile, pollInterval: p.refreshIntervalMs })
    : undefined);
  // The runtime's own client TLS says something else on purpose: the clusters decide.
  const mesh = createRuntime({
    protocols: [dubbo(), triple()],
    mesh: xdsMesh(client, { certificateProviders: factory }),
    client: { connectTimeout: 2000, tls: { cert: certs.untrusted.cert, key: certs.untrusted.key, ca: certs.ca2.cert } },
    timeout: 5000,
  });
  open.push(async () => {
    await mesh.stop(0);
    client.close();
  });
  return { node, client, mesh, dubbo: mesh.refer(Who, { protocol: 'dubbo' }), tri: mesh.refer(Who, { protocol: 'tri' }) };
}

test("gRPC's style: certificate_providers file_watcher → the cluster's mTLS; Dubbo and Triple answer with the consumer's identity", { timeout: 120_000 }, async () => {
  const [d, tr] = await Promise.all([provider('d1', 'dubbo'), provider('t1', 'tri')]);
  const c = consumer();
  await cp.set(resources([d, tr], providerTls([{ exact: SPIFFE_SERVER }])), { node: c.node });
  for (const [ref, name] of [[c.dubbo, 'd1'], [c.tri, 't1']]) {
    const answers = await Promise.all(Array.from({ length: 64 }, () => ref.who()));
    assert.deepEqual(new Set(answers), new Set([`${name}|${SPIFFE_CLIENT}`]));
  }
});

test('a cluster without transport_socket is plaintext (gRPC): an mTLS provider refuses it, a plaintext one answers', { timeout: 120_000 }, async () => {
  const secure = await provider('d-tls', 'dubbo');
  const plainMesh = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  plainMesh.provide(Who, { who: async () => `plain|${currentCall()?.identity?.spiffeId}` });
  await plainMesh.start();
  open.push(() => plainMesh.stop(0));
  const plain = { name: 'plain', protocol: 'dubbo', port: plainMesh.address().port };
  const c = consumer();
  await cp.set(resources([plain], {}), { node: c.node });
  assert.equal(await c.dubbo.who(), 'plain|undefined');
  await cp.set(resources([secure], {}), { node: c.node });
  await assert.rejects(async () => {
    for (const end = Date.now() + 20_000; Date.now() < end; await sleep(100)) {
      const r = await c.dubbo.who().catch((e) => e);
      if (r instanceof Error) throw r;
    }
  }, (e) => {
    // The mTLS provider waits for a ClientHello and gets a Dubbo header: the handshake fails and the connection closes.
    assert.ok(['UNAVAILABLE', 'CONNECTION_CLOSED', 'TIMEOUT'].includes(e.code), `${e.code} ${e.message}`);
    return true;
  });
});

test('a server SAN the cluster does not accept is refused, typed; the right matcher (prefix, regex) then connects', { timeout: 120_000 }, async () => {
  const [d, tr] = await Promise.all([provider('d2', 'dubbo'), provider('t2', 'tri')]);
  const c = consumer();
  await cp.set(resources([d, tr], providerTls([{ exact: 'spiffe://meshlet.test/ns/default/sa/other' }])), { node: c.node });
  for (const ref of [c.dubbo, c.tri]) {
    const err = await ref.who().then(() => undefined, (e) => e);
    assert.ok(err, 'a wrong SAN must not answer');
    assert.equal(err.code, 'UNAVAILABLE', `${err.code} ${err.message}`);
    assert.match(err.message, /match none of the cluster's match_subject_alt_names|ALTNAME/i);
  }
  await cp.set(resources([d, tr], providerTls([{ prefix: 'spiffe://meshlet.test/ns/default/' }, { safe_regex: { regex: 'nope' } }])), { node: c.node });
  for (const [ref, name] of [[c.dubbo, 'd2'], [c.tri, 't2']]) {
    let answer;
    for (const end = Date.now() + 20_000; answer === undefined && Date.now() < end;) {
      answer = await ref.who().catch(() => sleep(100).then(() => undefined));
    }
    assert.equal(answer, `${name}|${SPIFFE_CLIENT}`);
  }
});

for (const protocol of ['dubbo', 'tri']) {
  test(`SDS over ADS (${protocol}): a secret rotated by the control plane is used by the next new connection, 128 in flight, none failing`, { timeout: 120_000 }, async () => {
    const [a, b] = await Promise.all([provider(`${protocol}-a`, protocol), provider(`${protocol}-b`, protocol)]);
    const c = consumer();
    const ref = c[protocol];
    const tls = sdsTls([{ exact: SPIFFE_SERVER }]);
    await cp.set(resources([a], tls, [certSecret(certs.client), rootsSecret()]), { node: c.node });
    assert.equal(await ref.who(), `${protocol}-a|${SPIFFE_CLIENT}`);
    const running = load(() => ref.who());
    await until(() => (running.counts[`${protocol}-a|${SPIFFE_CLIENT}`] ?? 0) > 500, 'calls on the first certificate');
    // The rotation: another workload certificate (client2: same CA, another SPIFFE ID, easy to tell apart).
    const rotated = await cp.set(resources([a], tls, [certSecret(certs.client2), rootsSecret()]), { node: c.node });
    await cp.waitAcks((acks) => acks.some((e) => e.kind === 'ack' && e.typeUrl === SECRET && e.version === rotated), 'the rotated secret ACKed');
    // A new endpoint: its connection is the first made after the rotation.
    await cp.set(resources([a, b], tls, [certSecret(certs.client2), rootsSecret()]), { node: c.node });
    await until(() => (running.counts[`${protocol}-b|${SPIFFE_INTRUDER}`] ?? 0) > 500, 'calls on the rotated certificate');
    const { counts, errors } = await running.stop();
    assert.deepEqual(errors, []);
    // The connection already open keeps the certificate it was made with; the new one has the new.
    assert.ok(counts[`${protocol}-a|${SPIFFE_CLIENT}`] > 0);
    assert.equal(counts[`${protocol}-b|${SPIFFE_CLIENT}`], undefined, JSON.stringify(counts));
    assert.deepEqual(Object.keys(counts).filter((k) => !k.endsWith(SPIFFE_CLIENT) && !k.endsWith(SPIFFE_INTRUDER)), []);
  });
}

test('a TLS cluster the consumer cannot dial (a provider instance missing from the bootstrap) fails UNAVAILABLE saying why, unsent', { timeout: 60_000 }, async () => {
  const d = await provider('d9', 'dubbo');
  const c = consumer();
  await cp.set(resources([d], tlsSocket({
    tls_certificate_provider_instance: { instance_name: 'nowhere' },
    validation_context: { ca_certificate_provider_instance: { instance_name: 'default' } },
  })), { node: c.node });
  const err = await c.dubbo.who().then(() => undefined, (e) => e);
  assert.equal(err?.code, 'UNAVAILABLE');
  assert.match(err.message, /certificate provider instance "nowhere" is not in the bootstrap's certificate_providers/);
});

test('a pushed secret that cannot be used (a key of another certificate) keeps the last good one: new connections still dial, none failing', { timeout: 120_000 }, async () => {
  const [a, b] = await Promise.all([provider('bad-a', 'dubbo'), provider('bad-b', 'dubbo')]);
  const c = consumer();
  const tls = sdsTls([{ exact: SPIFFE_SERVER }]);
  await cp.set(resources([a], tls, [certSecret(certs.client), rootsSecret()]), { node: c.node });
  assert.equal(await c.dubbo.who(), `bad-a|${SPIFFE_CLIENT}`);
  const warnings = [];
  const onWarning = (w) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const running = load(() => c.dubbo.who());
    const broken = { ...certSecret(certs.client2), tls_certificate: { certificate_chain: { inline_string: certs.client2.cert }, private_key: { inline_string: certs.client.key } } };
    const v = await cp.set(resources([a], tls, [broken, rootsSecret()]), { node: c.node });
    await cp.waitAcks((acks) => acks.some((e) => e.kind === 'ack' && e.typeUrl === SECRET && e.version === v), 'the broken secret delivered');
    await until(() => warnings.some((m) => /secret client-cert: the private key does not match the certificate/.test(m)), 'the refusal warned');
    await cp.set(resources([a, b], tls, [broken, rootsSecret()]), { node: c.node });
    await until(() => (running.counts[`bad-b|${SPIFFE_CLIENT}`] ?? 0) > 200, 'calls to the new endpoint on the last good certificate');
    const { counts, errors } = await running.stop();
    assert.deepEqual(errors, []);
    assert.deepEqual(Object.keys(counts).sort(), [`bad-a|${SPIFFE_CLIENT}`, `bad-b|${SPIFFE_CLIENT}`]);
  } finally {
    process.off('warning', onWarning);
  }
});
