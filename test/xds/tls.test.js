// The bootstrap's `tls` channel_creds (gRPC's: ca_certificate_file, certificate_file,
// private_key_file) against an ADS server that requires client certificates: resources arrive over
// mTLS; a client without a certificate, or trusting another root, gets nothing and says why.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createXdsClient, CLUSTER } from '@meshlet/xds';
import { FakeAdsServer, anyOf } from '../../packages/xds/dist/client/ads.fixture.js';
import { makeCerts } from '../security/certs.js';

let certs;
before(async () => {
  certs = await makeCerts();
});

async function tlsServer(t) {
  const creds = grpc.ServerCredentials.createSsl(Buffer.from(certs.ca.cert), [{ cert_chain: Buffer.from(certs.server.cert), private_key: Buffer.from(certs.server.key) }], true);
  const server = await new FakeAdsServer().start(0, creds);
  t.after(() => server.stop());
  return server;
}

function tlsClient(t, server, config) {
  const c = createXdsClient(
    { xds_servers: [{ server_uri: `localhost:${server.port}`, channel_creds: [{ type: 'tls', config }], server_features: ['xds_v3'] }], node: { id: 'tls-node' } },
    { backoff: { initial: 50, max: 200 } },
  );
  t.after(() => c.close());
  return c;
}

test('mTLS from the bootstrap: the server sees the node, the cluster arrives', async (t) => {
  const server = await tlsServer(t);
  const c = tlsClient(t, server, { ca_certificate_file: certs.ca.certPath, certificate_file: certs.client.certPath, private_key_file: certs.client.keyPath });
  const got = new Promise((resolve) => c.watch(CLUSTER, 'c1', (v) => v && resolve(v)));
  const first = await server.request(0, 0);
  assert.equal(first.node.id, 'tls-node');
  server.pushSotw(CLUSTER, '1', [anyOf(CLUSTER, { name: 'c1' })]);
  assert.equal((await got).name, 'c1');
  assert.equal(c.status().state, 'open');
});

test('no client certificate, or another root trusted: no stream, the reason in status()', async (t) => {
  const server = await tlsServer(t);
  const noCert = tlsClient(t, server, { ca_certificate_file: certs.ca.certPath });
  const wrongRoot = tlsClient(t, server, { ca_certificate_file: certs.ca2.certPath, certificate_file: certs.client.certPath, private_key_file: certs.client.keyPath });
  const heard = [];
  noCert.watch(CLUSTER, 'c1', (v) => heard.push(v));
  wrongRoot.watch(CLUSTER, 'c1', (v) => heard.push(v));
  for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const errors = [noCert, wrongRoot].map((c) => c.status().lastError?.message ?? '');
    if (errors.every((m) => /broke/.test(m)) && noCert.status().streams >= 2 && wrongRoot.status().streams >= 2) break;
    if (Date.now() > end) throw new Error(`no refusal seen: ${JSON.stringify(errors)}`);
  }
  assert.equal(server.requests.length, 0, 'no stream reached the server');
  assert.deepEqual(heard, []);
});
