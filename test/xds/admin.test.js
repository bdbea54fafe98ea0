// GET /xds on the admin routes: an xDS client's status and CSDS-like dump, from a real client of the
// go-control-plane peer; 404 for a target without one; POST refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminRoutes } from '@meshlet/admin';
import { createXdsClient, CLUSTER } from '@meshlet/xds';
import { startControlPlane, cluster } from './control-plane.js';

const baseTarget = {
  status: () => ({ application: 'a', mode: 'direct', uptimeMs: 1, registry: undefined, inFlight: { client: 0, server: 0 }, services: [], references: [] }),
  offline: async () => [],
  online: async () => [],
};

test('GET /xds serves the client status and its ClientConfig dump', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.kill());
  const version = await cp.set([cluster('c1')]);
  const client = createXdsClient(cp.bootstrap());
  t.after(() => client.close());
  await new Promise((resolve) => client.watch(CLUSTER, 'c1', (v) => v && resolve()));
  const routes = new AdminRoutes({ ...baseTarget, xds: () => ({ status: client.status(), config: client.dump() }) });
  const reply = await routes.answer('GET', new URL('http://admin/xds'));
  assert.equal(reply.status, 200);
  const body = JSON.parse(reply.body);
  assert.equal(body.status.mode, 'sotw');
  assert.equal(body.status.state, 'open');
  assert.equal(body.config.node.id, cp.node);
  const [c1] = body.config.genericXdsConfigs;
  assert.deepEqual([c1.typeUrl, c1.name, c1.versionInfo, c1.clientStatus], [CLUSTER, 'c1', version, 'ACKED']);
  assert.equal(c1.xdsConfig['@type'], CLUSTER);
  assert.equal(c1.xdsConfig.name, 'c1');
  assert.ok(!Number.isNaN(Date.parse(c1.lastUpdated)));

  assert.equal((await routes.answer('POST', new URL('http://admin/xds'))).status, 405);
  assert.equal((await new AdminRoutes(baseTarget).answer('GET', new URL('http://admin/xds'))).status, 404);
});
