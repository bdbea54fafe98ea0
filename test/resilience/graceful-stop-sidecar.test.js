// Graceful stops in sidecar mode lose no call (issue 14, item 1). A consumer in sidecar mode calls
// through Meshlet's own agent (a separate process) to two providers found through a registry:
//
// - SIGTERM one provider with 128 non-idempotent calls in flight: none fails. The provider
//   deregisters and tells the agent (read-only event, GoAway), the agent sends it nothing new and
//   lets its pending calls finish, exactly as a consumer in direct mode does.
// - SIGTERM the agent itself: every call it had accepted is answered; it tells its apps to send no
//   more (Dubbo's read-only event, Bolt's GoAway) and closes once drained, well within its grace
//   period. With no registry to fall back to, the consumer's later calls fail fast with
//   UNAVAILABLE naming the agent: nothing hangs, no promise stays pending.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMeshlet, bolt, dubbo, motan2 } from 'meshlet-rpc';
import { Ledger } from './service.js';
import { load, sigtermOneUnderLoad, startProvider, until } from './helpers.js';
import { startAgent } from '../sidecar/helpers.js';

const protocols = { dubbo, bolt, motan2 };

/**
 * Runs `body` with an agent (given `agentConfig`), providers `a` and `b` behind it in a local
 * registry, and a consumer in sidecar mode through the agent with no registry to fall back to;
 * tears all of it down however `body` ends.
 */
async function withSidecarFleet(protocol, agentConfig, body) {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-resilience-sidecar-'));
  const registry = `local://${dir}`;
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify(agentConfig));
  const agent = await startAgent({ registry, config });
  const [a, b] = await Promise.all([startProvider('a', protocol, registry), startProvider('b', protocol, registry)]);
  const mesh = createMeshlet({ application: 'graceful-sidecar-consumer', agent: agent.url, registry: false, protocols: [protocols[protocol]()] }, {});
  try {
    await body({ agent, a, mesh });
  } finally {
    await mesh.stop(0);
    a.kill();
    b.kill();
    await agent.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const protocol of Object.keys(protocols)) {
  test(`${protocol}, sidecar: SIGTERM one of two providers behind the agent, 128 non-idempotent calls in flight: none fails`, async () => {
    await withSidecarFleet(protocol, {}, ({ a, mesh }) => sigtermOneUnderLoad(a, mesh.refer(Ledger)));
  });
}

// Motan2 has no frame telling an app to stop sending: its calls keep arriving until the
// consumer's health check (every 500 ms here, 3 s by default) finds the agent's port closed; the
// agent serves them until none has come for a while, within its grace period.
for (const protocol of ['dubbo', 'bolt', 'motan2']) {
  test(`${protocol}, sidecar: SIGTERM the agent with 128 calls in flight: what it accepted is answered, then calls fail fast with UNAVAILABLE`, async () => {
    // Bolt's GoAway is opt-in (Java Bolt does not know it); Meshlet's Bolt client does.
    await withSidecarFleet(protocol, { boltGoAway: true }, async ({ agent, mesh }) => {
      const ledger = mesh.refer(Ledger);
      const slow = [];
      const running = load(async (i) => {
        const t0 = Date.now();
        try {
          return await ledger.charge(i);
        } catch (err) {
          // Calls that fail fast fail without I/O: let the loop turn, or 128 loops would spin in
          // microtasks and starve the timers and child-process events this test waits for.
          await new Promise((r) => setImmediate(r));
          throw err;
        } finally {
          // A call that failed should fail at once, not at its deadline.
          if (Date.now() - t0 > 2000) slow.push(Date.now() - t0);
        }
      });
      await until(() => running.counts.a > 50 && running.counts.b > 50, 15_000);
      const t0 = Date.now();
      const code = await agent.stop('SIGTERM');
      const stopMs = Date.now() - t0;
      const okAtExit = running.counts.a + running.counts.b;
      // Bounded: every loop settles its call and ends (none hangs on a pending promise).
      const { counts, errors } = await within(running.stop(), 10_000, 'every call loop to end once the agent is gone');
      assert.equal(code, 0, `the agent's exit code; stderr: ${agent.stderr}`);
      assert.ok(stopMs < 4000, `the agent drained and exited in ${stopMs} ms (its grace period is 5000 ms: apps stopped sending at once)`);
      const lost = errors.filter((e) => !e.startsWith('UNAVAILABLE '));
      assert.deepEqual([...new Set(lost)].slice(0, 5), [], `${lost.length} calls failed other than fast with UNAVAILABLE (${errors.length} failed in all); answers ${JSON.stringify(counts)}`);
      assert.deepEqual(slow, [], 'no call took longer than 2 s');
      assert.ok(okAtExit > 100, `calls answered through the agent: ${okAtExit}`);
      // And later calls fail fast, naming the agent.
      const t1 = Date.now();
      await assert.rejects(ledger.charge(1), (err) => err.code === 'UNAVAILABLE' && /sidecar agent/.test(err.message));
      assert.ok(Date.now() - t1 < 2000, 'fails fast, not at the deadline');
    });
  });
}

function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)))])
    .finally(() => clearTimeout(timer));
}
