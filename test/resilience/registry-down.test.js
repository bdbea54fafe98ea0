// A registry (Redis, ZooKeeper) that is down when a provider starts: the provider starts anyway,
// warns once, serves consumers that have its address, and registers as soon as the registry is
// up (failback); a consumer that subscribed while it was down finds the provider then.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { freePort, RedisServer, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { Ledger } from './service.js';
import { sleep, startProvider } from './helpers.js';

const cases = [
  { name: 'redis', url: (port) => `redis://127.0.0.1:${port}`, start: (port) => RedisServer.start({ port }) },
  { name: 'zookeeper', url: (port) => `zookeeper://127.0.0.1:${port}`, start: (port) => ZooKeeperServer.start({ port, tickTime: 200 }) },
];

for (const c of cases) {
  test(`${c.name} down at start: the provider serves, warns once, and registers when it is back`, async () => {
    const port = await freePort();
    const registry = c.url(port);
    let provider;
    let server;
    const direct = createRuntime({ protocols: [dubbo()] });
    const found = createRuntime({ registry: createRegistry(registry), protocols: [dubbo()], timeout: 1000 });
    try {
      provider = await startProvider('p', 'dubbo', registry);
      // Known by address: served although it is registered nowhere yet.
      assert.match(await direct.refer(Ledger, { url: provider.url }).charge(1), /^p:1$/);
      // Subscribed while the registry is down: nothing to call yet.
      const ledger = found.refer(Ledger);
      await assert.rejects(ledger.lookup(2), (e) => ['UNAVAILABLE', 'TIMEOUT'].includes(e.code));
      server = await c.start(port);
      const deadline = Date.now() + 20_000;
      let answer;
      while (answer === undefined) {
        try {
          answer = await ledger.lookup(3);
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`never discovered after the registry came back: ${e.code} ${e.message}`);
          await sleep(100);
        }
      }
      assert.equal(answer, 'p:3');
      const warnings = provider.stderr().match(/MESHLET_REGISTRY_UNREACHABLE_AT_START/g) ?? [];
      assert.equal(warnings.length, 1, provider.stderr());
      assert.doesNotMatch(provider.stderr(), /\n\s+at /, 'no stack trace');
      provider.kill('SIGTERM');
      assert.deepEqual(await provider.exited, { code: 0, signal: null });
    } finally {
      provider?.kill();
      await direct.stop(0);
      await found.stop(0);
      await server?.close();
    }
  });
}
