// Apps registered through the agent are visible in a real registry (redis-server, started here):
// the agent publishes its ingress address for them, any direct consumer can call them there, and
// the entry goes when the app stops.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMeshlet, createRegistry, dubbo, endpointAddress } from 'meshlet-rpc';
import { RedisServer } from '../../packages/registry/dist/testing/index.js';
import { startAgent, startProcess, waitFor } from './helpers.js';
import { Ping } from './service.js';

const provider = new URL('./provider.js', import.meta.url).pathname;

let redis;
let agent;
before(async () => {
  redis = await RedisServer.start();
  agent = await startAgent({ registry: redis.url });
});
after(async () => {
  await agent?.stop();
  await redis?.close();
});

test('a provider registered through the agent is in Redis at the agent\'s ingress, callable directly, gone when it stops', async () => {
  const app = startProcess([provider, 'dubbo'], { env: { MESHLET_AGENT: agent.url }, name: 'provider' });
  const [, port] = await app.started;
  const watcher = createRegistry(redis.url);
  let current = [];
  await watcher.subscribe(Ping, (eps) => (current = eps.map(endpointAddress)));
  try {
    await waitFor(() => current.length === 1, 5000, 'the registration in Redis');
    assert.deepEqual(current, [`dubbo://127.0.0.1:${agent.ingressPort}`], 'published at the agent, not at the app');
    assert.notEqual(Number(port), agent.ingressPort);

    // A plain direct-mode consumer (no agent of its own) finds it in Redis and calls it.
    const direct = createMeshlet({ registry: redis.url, protocols: [dubbo()] }, {});
    try {
      const ping = direct.refer(Ping, { timeout: 3000 });
      assert.equal(await ping.whoami(), String(app.child.pid));
    } finally {
      await direct.stop(0);
    }
    const status = await agent.status();
    assert.equal(status.registry, 'redis');
    assert.deepEqual(status.published.map((p) => p.endpoint), [`dubbo://127.0.0.1:${agent.ingressPort}`]);
    assert.equal(status.registrations[0].app, `127.0.0.1:${port}`);

    assert.equal(await app.stop(), 0);
    await waitFor(() => current.length === 0, 5000, 'the registration to leave Redis');
  } finally {
    await app.stop();
    await watcher.close();
  }
});
