// The real runtime (createRuntime + the Dubbo protocol) through the nacos registry and a real
// Nacos-protocol server (packages/registry/src/testing/nacos-server.ts): a Meshlet Dubbo provider in
// its own process is found by a Meshlet consumer, and a provider that dies is dropped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { startProvider, waitFor } from './helpers.js';
import { Echo } from './service.js';

describe('runtime over the nacos registry', { skip: nacosServerMissing() }, () => {
  let server;
  let providers = [];
  let consumer;
  const url = () => server.url('?beat=500&refresh=500');
  before(async () => {
    server = await NacosServer.start({ healthTimeoutSec: 2, instanceTimeoutSec: 3 });
    providers = [startProvider(url()), startProvider(url())];
    await Promise.all(providers.map((p) => p.ready));
    consumer = createRuntime({ application: 'nacos-test-consumer', registry: createRegistry(url()), protocols: [dubbo()], timeout: 2000 });
  });
  after(async () => {
    await consumer?.stop(0);
    for (const p of providers) p.kill();
    await server?.close();
  });

  test('a consumer finds both provider processes through Nacos, and loses a killed one', async () => {
    const echo = consumer.refer(Echo);
    const ports = await Promise.all(providers.map((p) => p.ready));
    const seen = new Set();
    await waitFor(async () => {
      seen.add(await echo.whoami());
      return seen.size === 2;
    }, 10_000, 'calls to reach both providers');
    assert.deepEqual([...seen].sort(), [...ports].sort());
    assert.equal(await echo.echo('through nacos'), 'through nacos');
    providers[0].kill();
    // Calls go to the survivor at once (the dead connection is dropped by the runtime itself)...
    await waitFor(async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => echo.whoami().catch(() => -1)));
      return answers.every((p) => p === ports[1]);
    }, 15_000, 'calls to go only to the surviving provider');
    // ...and Nacos drops the dead provider's instance when its beats stop (not its unregister: SIGKILL).
    const fresh = createRegistry(url());
    try {
      let last = [];
      await fresh.subscribe(Echo, (eps) => (last = eps));
      await waitFor(() => last.length === 1 && last[0].port === ports[1], 20_000, 'Nacos to list only the survivor');
    } finally {
      await fresh.close();
    }
  });
});
