// gRPC's bootstrap format, where it comes from (MESHLET_XDS, GRPC_XDS_BOOTSTRAP, _CONFIG), and the
// shorthand; every mistake an RpcError INVALID_ARGUMENT naming the field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RpcError } from '@meshlet/core';
import { parseBootstrap } from './bootstrap.js';
import { bootstrapFromEnv, shorthandBootstrap } from './from-env.js';

// As Istio's agent writes it for proxyless gRPC (trimmed).
const ISTIO = {
  xds_servers: [{ server_uri: 'unix:///etc/istio/proxy/XDS', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: {
    id: 'sidecar~10.0.0.7~echo-v1-6d8f.default~default.svc.cluster.local',
    metadata: { GENERATOR: 'grpc', ISTIO_VERSION: '1.24.0', LABELS: { app: 'echo' } },
    locality: { region: 'us-east1', zone: 'us-east1-b' },
  },
  certificate_providers: {
    default: {
      plugin_name: 'file_watcher',
      config: { certificate_file: '/var/run/secrets/workload-spiffe-credentials/certificates.pem', private_key_file: '/var/run/secrets/workload-spiffe-credentials/private_key.pem', ca_certificate_file: '/var/run/secrets/workload-spiffe-credentials/ca_certificates.pem', refresh_interval: '900s' },
    },
  },
  server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s',
};

const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === 'INVALID_ARGUMENT' && re.test(e.message);

test("Istio's proxyless bootstrap parses", () => {
  const b = parseBootstrap(JSON.stringify(ISTIO));
  assert.equal(b.xdsServers[0]!.serverUri, 'unix:///etc/istio/proxy/XDS');
  assert.deepEqual(b.xdsServers[0]!.channelCreds, { type: 'insecure' });
  assert.deepEqual(b.node.locality, { region: 'us-east1', zone: 'us-east1-b', subZone: undefined });
  assert.equal(b.node.metadata!['GENERATOR'], 'grpc');
  assert.equal(b.serverListenerResourceNameTemplate, 'xds.istio.io/grpc/lds/inbound/%s');
});

test('the first supported channel_creds is taken (google_default skipped); tls reads its files', () => {
  const b = parseBootstrap({
    xds_servers: [{ server_uri: 'cp:443', channel_creds: [{ type: 'google_default' }, { type: 'tls', config: { ca_certificate_file: '/ca.pem' } }], server_features: ['xds_v3', 'ignore_resource_deletion'] }],
  });
  assert.deepEqual(b.xdsServers[0]!.channelCreds, { type: 'tls', caCertificateFile: '/ca.pem', certificateFile: undefined, privateKeyFile: undefined });
  assert.deepEqual(b.xdsServers[0]!.serverFeatures, ['xds_v3', 'ignore_resource_deletion']);
  assert.equal(b.node.id, '');
});

test('mistakes name their field', () => {
  assert.throws(() => parseBootstrap('{'), invalid(/not JSON/));
  assert.throws(() => parseBootstrap('[]'), invalid(/must be a JSON object/));
  assert.throws(() => parseBootstrap({}), invalid(/xds_servers must be a non-empty array/));
  assert.throws(() => parseBootstrap({ xds_servers: [{ channel_creds: [{ type: 'insecure' }] }] }), invalid(/xds_servers\[0\]\.server_uri/));
  assert.throws(() => parseBootstrap({ xds_servers: [{ server_uri: 'a:1', channel_creds: [{ type: 'google_default' }] }] }), invalid(/no supported type \(google_default\)/));
  assert.throws(() => parseBootstrap({ xds_servers: [{ server_uri: 'a:1', channel_creds: [{ type: 'insecure' }], server_features: [1] }] }), invalid(/server_features/));
  assert.throws(() => parseBootstrap({ ...ISTIO, node: { id: 5 } }), invalid(/node\.id must be a string/));
  assert.throws(() => parseBootstrap({ ...ISTIO, node: { locality: 'x' } }), invalid(/node\.locality/));
});

test('MESHLET_XDS shorthand: one insecure server, a generated node id; delta on request', () => {
  const b = bootstrapFromEnv({ MESHLET_XDS: 'xds://127.0.0.1:15010' })!;
  assert.equal(b.xdsServers[0]!.serverUri, '127.0.0.1:15010');
  assert.deepEqual(b.xdsServers[0]!.channelCreds, { type: 'insecure' });
  assert.match(b.node.id, /^meshlet~.+~\d+~[0-9a-f]{6}$/);
  assert.notEqual(bootstrapFromEnv({ MESHLET_XDS: 'xds://127.0.0.1:15010' })!.node.id, b.node.id);
  assert.deepEqual(bootstrapFromEnv({ MESHLET_XDS: 'unix:/var/run/xds.sock', MESHLET_XDS_DELTA: 'true' })!.xdsServers[0]!.serverFeatures, ['xds_v3', 'meshlet_delta']);
  assert.throws(() => shorthandBootstrap('xds://'), invalid(/neither a bootstrap file/));
  assert.throws(() => shorthandBootstrap('xds://host/path'), invalid(/neither a bootstrap file/));
});

test('the order: MESHLET_XDS, then GRPC_XDS_BOOTSTRAP (file), then GRPC_XDS_BOOTSTRAP_CONFIG; none -> undefined', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-xds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bootstrap.json');
  writeFileSync(file, JSON.stringify({ ...ISTIO, node: { id: 'from-file' } }));
  const config = JSON.stringify({ ...ISTIO, node: { id: 'from-config' } });
  assert.equal(bootstrapFromEnv({ GRPC_XDS_BOOTSTRAP_CONFIG: config })!.node.id, 'from-config');
  assert.equal(bootstrapFromEnv({ GRPC_XDS_BOOTSTRAP: file, GRPC_XDS_BOOTSTRAP_CONFIG: config })!.node.id, 'from-file');
  assert.equal(bootstrapFromEnv({ MESHLET_XDS: file, GRPC_XDS_BOOTSTRAP_CONFIG: config })!.node.id, 'from-file');
  assert.equal(bootstrapFromEnv({}), undefined);
  assert.throws(() => bootstrapFromEnv({ GRPC_XDS_BOOTSTRAP: join(dir, 'missing.json') }), invalid(/GRPC_XDS_BOOTSTRAP: cannot read/));
});

test('certificate_providers: file_watcher read into its fields (gRFC A29), other plugins kept by name, mistakes named', () => {
  const b = parseBootstrap(ISTIO);
  assert.deepEqual(b.certificateProviders?.['default'], {
    pluginName: 'file_watcher',
    certificateFile: '/var/run/secrets/workload-spiffe-credentials/certificates.pem',
    privateKeyFile: '/var/run/secrets/workload-spiffe-credentials/private_key.pem',
    caCertificateFile: '/var/run/secrets/workload-spiffe-credentials/ca_certificates.pem',
    refreshIntervalMs: 900_000,
  });
  const roots = parseBootstrap({ ...ISTIO, certificate_providers: { roots: { plugin_name: 'file_watcher', config: { ca_certificate_file: '/ca.pem' } }, other: { plugin_name: 'meshca', config: { x: 1 } } } });
  assert.deepEqual(roots.certificateProviders?.['roots'], { pluginName: 'file_watcher', certificateFile: undefined, privateKeyFile: undefined, caCertificateFile: '/ca.pem', refreshIntervalMs: 600_000 });
  assert.deepEqual(roots.certificateProviders?.['other'], { pluginName: 'meshca', config: { x: 1 } });
  assert.equal(parseBootstrap({ ...ISTIO, certificate_providers: undefined }).certificateProviders, undefined);
  const cp = (entry: unknown) => () => parseBootstrap({ ...ISTIO, certificate_providers: { p: entry } });
  assert.throws(cp({ plugin_name: 'file_watcher', config: { certificate_file: '/c' } }), invalid(/certificate_providers\.p\.config must set certificate_file and private_key_file together/));
  assert.throws(cp({ plugin_name: 'file_watcher', config: {} }), invalid(/or ca_certificate_file/));
  assert.throws(cp({ plugin_name: 'file_watcher', config: { ca_certificate_file: '/ca', refresh_interval: 'soon' } }), invalid(/refresh_interval must be a positive duration/));
  assert.throws(cp({ config: {} }), invalid(/plugin_name must be a non-empty string/));
  assert.throws(cp('x'), invalid(/certificate_providers\.p must be an object/));
  assert.throws(() => parseBootstrap({ ...ISTIO, certificate_providers: [] }), invalid(/certificate_providers must be an object/));
});
