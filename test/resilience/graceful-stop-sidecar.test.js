// Graceful stops in sidecar mode lose no call (issue 14, item 1). A consumer in sidecar mode calls
// through Meshlet's own agent (a separate process) to two providers found through a registry:
//
// - SIGTERM one provider with 128 non-idempotent calls in flight: none fails. The provider
//   deregisters and tells the agent (read-only event, GoAway), the agent sends it nothing new and
//   lets its pending calls finish, exactly as a consumer in direct mode does.
// - SIGTERM the agent itself: every call it had accepted is answered; it tells its apps to send no
//   more (Dubbo's read-only event, Bolt's GoAway, Motan2's "provider stopping" refusal of what comes
//   after) and closes once drained, well within its grace period. With no registry to fall back
//   to, the consumer's later calls fail fast with UNAVAILABLE naming the agent: nothing hangs, no
//   promise stays pending.
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
 * tears all of it down however `body` ends. `agentQuery` replaces the agent URL's query (its
 * health-check settings).
 */
async function withSidecarFleet(protocol, agentConfig, body, { agentQuery } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-resilience-sidecar-'));
  const registry = `local://${dir}`;
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify(agentConfig));
  const agent = await startAgent({ registry, config });
  const [a, b] = await Promise.all([startProvider('a', protocol, registry), startProvider('b', protocol, registry)]);
  const agentUrl = agentQuery === undefined ? agent.url : agent.url.replace(/\?.*$/, agentQuery);
  const mesh = createMeshlet({ application: 'graceful-sidecar-consumer', agent: agentUrl, registry: false, protocols: [protocols[protocol]()] }, {});
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

// Motan2 has no frame telling an app to stop sending: the stopping agent refuses what comes after
// the stop as "provider stopping" (see the Motan2 case below, without the health check).
for (const protocol of ['dubbo', 'bolt', 'motan2']) {
  test(`${protocol}, sidecar: SIGTERM the agent with 128 calls in flight: what it accepted is answered, then calls fail fast with UNAVAILABLE`, async () => {
    // Bolt's GoAway is opt-in (Java Bolt does not know it); Meshlet's Bolt client does.
    await withSidecarFleet(protocol, { boltGoAway: true }, async ({ agent, mesh }) => {
      const ledger = mesh.refer(Ledger);
      const { running, slow } = chargeUnderLoad(ledger);
      await until(() => running.counts.a > 50 && running.counts.b > 50, 15_000);
      const t0 = Date.now();
      const code = await agent.stop('SIGTERM');
      const stopMs = Date.now() - t0;
      const okAtExit = running.counts.a + running.counts.b;
      // Bounded: every loop settles its call and ends (none hangs on a pending promise).
      const { counts, errors } = await within(running.stop(), 10_000, 'every call loop to end once the agent is gone');
      assert.equal(code, 0, `the agent's exit code; stderr: ${agent.stderr}`);
      assert.ok(stopMs < 4000, `the agent drained and exited in ${stopMs} ms (its grace period is 5000 ms: apps stopped sending at once)`);
      // Motan2's signal is refusing: those calls fail as SHUTDOWN "provider stopping", never executed.
      const lost = errors.filter((e) => !e.startsWith('UNAVAILABLE ') && !(protocol === 'motan2' && /^SHUTDOWN .*provider stopping/.test(e)));
      assert.deepEqual([...new Set(lost)].slice(0, 5), [], `${lost.length} calls failed other than fast with UNAVAILABLE (${errors.length} failed in all); answers ${JSON.stringify(counts)}`);
      assert.deepEqual(slow, [], 'no call took longer than 2 s');
      assert.ok(okAtExit > 100, `calls answered through the agent: ${okAtExit}`);
      // And later calls fail fast with UNAVAILABLE; once the health check (every 500 ms here) saw
      // the agent go, naming it. Motan2's agent can be gone before that check: poll, each call fast.
      const t1 = Date.now();
      for (let named = false; !named;) {
        const t2 = Date.now();
        const err = await ledger.charge(1).then(() => undefined, (e) => e);
        assert.equal(err?.code, 'UNAVAILABLE', `a call after the agent stopped: ${err}`);
        assert.ok(Date.now() - t2 < 2000, 'fails fast, not at the deadline');
        named = /sidecar agent/.test(err.message);
        if (!named && Date.now() - t1 > 10_000) assert.fail(`calls never named the agent: ${err.message}`);
        if (!named) await new Promise((r) => setTimeout(r, 100));
      }
    });
  });
}

// The consumer's health check out of play (once a minute): only the agent's own signal can move
// it. The stopping agent refuses every Motan2 request after the stop at once, as "provider
// stopping" (Java's 10002), which Meshlet's client reads as SHUTDOWN: never executed, failed fast.
// Without it the calls would keep coming, the drain would run to the grace period and cut the
// last ones off.
test('motan2, sidecar: SIGTERM the agent with 128 calls in flight, no health check: new calls are refused at once, none it accepted is lost', async () => {
  await withSidecarFleet('motan2', {}, async ({ agent, mesh }) => {
    const ledger = mesh.refer(Ledger);
    const { running, slow } = chargeUnderLoad(ledger);
    await until(() => running.counts.a > 50 && running.counts.b > 50, 15_000);
    const t0 = Date.now();
    const code = await agent.stop('SIGTERM');
    const stopMs = Date.now() - t0;
    const okAtExit = running.counts.a + running.counts.b;
    const { counts, errors } = await within(running.stop(), 10_000, 'every call loop to end once the agent is gone');
    assert.equal(code, 0, `the agent's exit code; stderr: ${agent.stderr}`);
    // Its grace period is 5000 ms: a drain that waited for the callers to go away would take it all.
    assert.ok(stopMs < 4000, `the agent drained and exited in ${stopMs} ms`);
    // Refused (SHUTDOWN, "provider stopping") or sent nowhere (UNAVAILABLE): never executed.
    const lost = errors.filter((e) => !/^UNAVAILABLE |^SHUTDOWN .*provider stopping/.test(e));
    assert.deepEqual([...new Set(lost)].slice(0, 5), [], `${lost.length} calls failed other than fast and unsent (${errors.length} failed in all); answers ${JSON.stringify(counts)}`);
    assert.ok(errors.some((e) => /provider stopping/.test(e)), `the agent refused calls as stopping: ${[...new Set(errors)].slice(0, 3)}`);
    assert.deepEqual(slow, [], 'no call took longer than 2 s');
    assert.ok(okAtExit > 100, `calls answered through the agent: ${okAtExit}`);
    const t1 = Date.now();
    await assert.rejects(ledger.charge(1), (err) => err.code === 'UNAVAILABLE' || err.code === 'SHUTDOWN');
    assert.ok(Date.now() - t1 < 2000, 'fails fast, not at the deadline');
  }, { agentQuery: '?health=60000&healthTimeout=500' });
});

/**
 * 128 loops of `ledger.charge`, each call's time over 2 s noted in `slow`: a call that fails
 * should fail at once, not at its deadline.
 */
function chargeUnderLoad(ledger) {
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
      if (Date.now() - t0 > 2000) slow.push(Date.now() - t0);
    }
  });
  return { running, slow };
}

function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)))])
    .finally(() => clearTimeout(timer));
}
