// Health checks and fallback with real processes: the consumer's agent is SIGKILLed under load,
// calls move to the direct path (the registry) with no idempotent call lost, and come back to the
// agent once it is restarted. Without a registry to fall back to, calls fail fast, naming the agent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMeshlet, dubbo } from 'meshlet-rpc';
import { freePort } from '../../packages/registry/dist/testing/index.js';
import { callLoop, localRegistry, sleep, startAgent, startProcess, waitFor } from './helpers.js';
import { Ping } from './service.js';

const provider = new URL('./provider.js', import.meta.url).pathname;

describe('an agent killed under load and restarted', () => {
  let registry;
  let ports;
  let a;
  let b;
  let app;
  let consumer;
  before(async () => {
    registry = await localRegistry();
    ports = { port: await freePort(), httpPort: await freePort(), ingressPort: await freePort() };
    [a, b] = await Promise.all([startAgent({ registry, ...ports }), startAgent({ registry })]);
    app = startProcess([provider, 'dubbo'], { env: { MESHLET_AGENT: b.url }, name: 'provider' });
    await app.started;
    // The consumer: this process, sidecar mode through A, the registry as its way out.
    consumer = createMeshlet({
      application: 'sidecar-test-consumer',
      agent: a.url,
      registry,
      protocols: [dubbo()],
      health: { intervalMs: 250, timeoutMs: 300 },
      retryBudget: { ratio: 1, minPerSecond: 1000, max: 1000 },
    }, {});
  });
  after(async () => {
    await consumer?.stop(0);
    await app?.stop();
    await Promise.all([a?.stop('SIGKILL'), b?.stop()]);
  });

  test('falls back to direct, loses no idempotent call, and returns to the agent', async () => {
    const ping = consumer.refer(Ping, { timeout: 3000 });
    assert.equal(await ping.echo('warm'), 'warm');
    assert.equal(consumer.sidecar.state, 'up');
    const loop = callLoop(() => ping.echo('x').then((v) => assert.equal(v, 'x')), 16);
    await sleep(500);
    const beforeKill = (await a.status()).counters.egress.dubbo.requests;
    assert.ok(beforeKill > 50, `calls went through agent A (${beforeKill})`);

    await a.stop('SIGKILL');
    const okAtKill = loop.stats.ok;
    await waitFor(() => consumer.sidecar.state === 'down', 5000, 'the health check to see agent A down');
    await sleep(400);
    assert.ok(loop.stats.ok > okAtKill + 50, `calls kept succeeding directly while A was down (${loop.stats.ok - okAtKill})`);

    a = await startAgent({ registry, ...ports });
    await waitFor(() => consumer.sidecar.state === 'up', 5000, 'the health check to see agent A back');
    await waitFor(async () => ((await a.status()).counters.egress.dubbo?.requests ?? 0) > 50, 5000, 'calls through the restarted agent');
    const stats = await loop.stop();
    assert.deepEqual(stats.errors, []);
    assert.equal(stats.failed, 0);
    assert.ok(stats.ok > 500, `calls made: ${stats.ok}`);
    const restarted = await a.status();
    assert.ok(restarted.subscriptions.length >= 1 || restarted.routes.egress >= 1, 'the consumer re-announced itself to the restarted agent');
  });
});

describe('no registry to fall back to', () => {
  test('calls fail fast with UNAVAILABLE naming the agent', async () => {
    const port = await freePort();
    const mesh = createMeshlet({ agent: `meshlet://127.0.0.1:${port}?http=${port}&healthTimeout=200`, registry: false, protocols: [dubbo()], health: { retries: 0 } }, {});
    try {
      const ping = mesh.refer(Ping, { timeout: 3000 });
      const t0 = Date.now();
      await assert.rejects(ping.echo('x'), (err) => {
        assert.equal(err.code, 'UNAVAILABLE');
        assert.match(err.message, new RegExp(`sidecar agent meshlet://127\\.0\\.0\\.1:${port}.*unreachable.*no registry is configured`));
        return true;
      });
      assert.ok(Date.now() - t0 < 1500, 'fails fast, not at the deadline');
      assert.equal(mesh.sidecar.state, 'down');
    } finally {
      await mesh.stop(0);
    }
  });
});
