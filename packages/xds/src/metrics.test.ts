// The client's updates and NACKs reach meshlet.xds.updates / meshlet.xds.nacks (alone in its file: it
// installs a global meter provider that records every counter's adds).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordCounterAdds } from './testing/counter-adds.js';
import { FakeAdsServer, anyOf } from './client/ads.fixture.js';
import { createXdsClient } from './client/xds-client.js';
import { CLUSTER } from './type-urls.js';

const adds = recordCounterAdds();

test('applied, removed and NACKed resources are counted', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = createXdsClient({ xds_servers: [{ server_uri: server.target, channel_creds: [{ type: 'insecure' }] }], node: { id: 'n' } });
  t.after(() => c.close());
  c.watch(CLUSTER, 'a', () => {});
  c.watch(CLUSTER, 'b', () => {});
  await server.request(0, 0);
  server.pushSotw(CLUSTER, '1', [anyOf(CLUSTER, { name: 'a' }), anyOf(CLUSTER, { name: 'b' })]);
  await server.request(0, 1);
  server.pushSotw(CLUSTER, '2', [anyOf(CLUSTER, { name: 'a' }), anyOf(CLUSTER, { name: 'b', lbPolicy: 'LOAD_BALANCING_POLICY_CONFIG' })]);
  await server.request(0, 2);
  server.pushSotw(CLUSTER, '3', [anyOf(CLUSTER, { name: 'a' })]); // b gone from a full-state response
  await server.request(0, 3);
  const seen = adds.filter((a) => a.name.startsWith('meshlet.xds.')).map((a) => [a.name, a.attributes]);
  assert.deepEqual(seen, [
    ['meshlet.xds.updates', { 'meshlet.xds.type': 'Cluster', 'meshlet.xds.outcome': 'applied' }],
    ['meshlet.xds.updates', { 'meshlet.xds.type': 'Cluster', 'meshlet.xds.outcome': 'applied' }],
    ['meshlet.xds.nacks', { 'meshlet.xds.type': 'Cluster' }],
    ['meshlet.xds.updates', { 'meshlet.xds.type': 'Cluster', 'meshlet.xds.outcome': 'removed' }],
  ]);
});
