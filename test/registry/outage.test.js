// The real runtime (createRuntime + the Dubbo protocol) through a Redis and a ZooKeeper registry:
// discovery across processes, and the registry server stopped and restarted under load with zero
// failed calls (consumers keep calling the last known providers; providers keep serving; their
// registrations come back by themselves).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { RedisServer, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { callLoop, sleep, startProvider, waitFor } from './helpers.js';
import { Echo } from './service.js';

const cases = [
  {
    name: 'redis',
    start: () => RedisServer.start(),
    // Lease shorter than the outage: every entry would have lapsed while Redis was down.
    url: (server) => `${server.url}?lease=1500&refresh=500`,
  },
  {
    name: 'zookeeper',
    start: () => ZooKeeperServer.start({ tickTime: 200 }),
    url: (server) => `${server.url}?session=2000&timeout=2000`,
  },
];

for (const c of cases) {
  describe(`runtime over the ${c.name} registry`, () => {
    let server;
    let providers = [];
    let consumer;
    before(async () => {
      server = await c.start();
      providers = [startProvider(c.url(server)), startProvider(c.url(server))];
      await Promise.all(providers.map((p) => p.ready));
      consumer = createRuntime({ application: 'registry-test-consumer', registry: createRegistry(c.url(server)), protocols: [dubbo()], timeout: 2000 });
    });
    after(async () => {
      await consumer?.stop(0);
      for (const p of providers) p.kill();
      await server?.close();
    });

    test('a consumer finds both provider processes through the registry and balances over them', async () => {
      const echo = consumer.refer(Echo);
      const ports = await Promise.all(providers.map((p) => p.ready));
      const seen = new Set();
      await waitFor(async () => {
        seen.add(await echo.whoami());
        return seen.size === 2;
      }, 5000, 'calls to reach both providers');
      assert.deepEqual([...seen].sort(), [...ports].sort());
    });

    test('registry stopped and restarted under load: zero failed calls, registrations restored', async (t) => {
      const echo = consumer.refer(Echo);
      assert.equal(await echo.echo('warm'), 'warm');
      const loop = callLoop(async () => {
        if ((await echo.echo('x')) !== 'x') throw new Error('wrong echo');
      }, 8);
      await sleep(1000);
      const before = loop.stats.ok;
      await server.stop();
      await sleep(3000);
      const duringOutage = loop.stats.ok - before;
      await server.restart();
      await sleep(3000);
      const stats = await loop.stop();
      t.diagnostic(`${c.name}: ${stats.ok} calls, ${stats.failed} failed (${duringOutage} while the registry was down)`);
      assert.equal(stats.failed, 0, stats.errors.join('; '));
      assert.ok(duringOutage > 100, `calls kept flowing while the registry was down (${duringOutage})`);
      // Both providers are back in the registry: a fresh registry instance sees them.
      const fresh = createRegistry(c.url(server));
      try {
        let last = [];
        await fresh.subscribe(Echo, (eps) => (last = eps));
        await waitFor(() => last.length === 2, 5000, 'both providers to be listed again');
      } finally {
        await fresh.close();
      }
      // And the consumer still reaches both.
      const seen = new Set();
      await waitFor(async () => {
        seen.add(await echo.whoami());
        return seen.size === 2;
      }, 5000, 'calls to reach both providers after the restart');
    });
  });
}
