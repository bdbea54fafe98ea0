// Governance against real provider processes under load: p2c moves traffic off a slow provider,
// a failing provider's breaker opens, half-opens and closes, and SIGKILL of a provider loses no
// idempotent call.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { loadBalancerFactory } from '@meshlet/lb';
import { BreakerSet } from '@meshlet/breaker';
import { Chaos } from './chaos-service.js';

const script = fileURLToPath(new URL('./chaos-provider.js', import.meta.url));

async function startProvider(name) {
  const child = spawn(process.execPath, [script], { env: { ...process.env, NAME: name }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no READY`)), 15_000);
    child.stdout.on('data', (d) => { out += d; const m = /READY (\d+)/.exec(out); if (m) { clearTimeout(timer); resolve(Number(m[1])); } });
    child.once('exit', (c) => reject(new Error(`${name} exited ${c}`)));
  });
  return { name, child, port, url: `127.0.0.1:${port}` };
}

/** `workers` loops calling `get()` for `ms`; counts answers per provider and failures. */
async function load(client, ms, workers = 16) {
  const counts = {};
  const errors = [];
  const end = Date.now() + ms;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < end) {
      try {
        const who = await client.get();
        counts[who] = (counts[who] ?? 0) + 1;
      } catch (err) {
        errors.push(`${err.code}: ${err.message}`);
      }
    }
  }));
  return { counts, errors };
}

let providers;
let mesh;
let client;
const admin = {};

before(async () => {
  providers = await Promise.all(['a', 'b', 'c'].map(startProvider));
  mesh = createRuntime({
    protocols: [dubbo()],
    loadBalancer: loadBalancerFactory('p2c'),
    breakers: () => new BreakerSet({ volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeout: 400 }),
    retryBudget: { ratio: 1, minPerSecond: 1000, max: 1000 },
  });
  client = mesh.refer(Chaos, { url: providers.map((p) => p.url), timeout: 2000 });
  for (const p of providers) admin[p.name] = mesh.refer(Chaos, { url: p.url, cluster: 'failfast' });
});

after(async () => {
  await mesh.stop(0);
  for (const p of providers) p.child.kill('SIGKILL');
});

test('p2c moves traffic away from a slow provider', async () => {
  await load(client, 300);
  await admin.b.setMode('slow');
  const { counts, errors } = await load(client, 1500);
  await admin.b.setMode('ok');
  assert.deepEqual(errors, []);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.ok((counts.b ?? 0) / total < 0.1, `slow provider's share: ${counts.b ?? 0}/${total}`);
});

test('a failing provider: its breaker opens, half-opens and closes; no call fails meanwhile', async () => {
  // Round robin keeps offering the failing provider, so its breaker (not p2c's latency penalty)
  // is what takes it out.
  let set;
  const rr = createRuntime({
    protocols: [dubbo()],
    loadBalancer: loadBalancerFactory('roundrobin'),
    breakers: () => (set = new BreakerSet({ volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeout: 400 })),
    retryBudget: { ratio: 1, minPerSecond: 1000, max: 1000 },
  });
  const rrClient = rr.refer(Chaos, { url: providers.map((p) => p.url), timeout: 2000 });
  const events = [];
  for (const e of ['open', 'halfOpen', 'close']) set.on(e, (ep) => events.push(`${e}:${ep.port}`));
  const c = providers.find((p) => p.name === 'c');
  try {
    await admin.c.setMode('fail');
    let failing;
    try {
      failing = await load(rrClient, 800);
    } finally {
      await admin.c.setMode('ok');
    }
    assert.deepEqual(failing.errors, [], 'failover hides the refusals');
    assert.ok(events.includes(`open:${c.port}`), `events: ${events}`);
    // Load until the breaker has half-opened and closed again (400 ms reset): rounds of 1.2 s, up to
    // 10 s, since a loaded machine may need more than one.
    const healed = { counts: {}, errors: [] };
    for (const end = Date.now() + 10_000; ;) {
      const round = await load(rrClient, 1200);
      healed.errors.push(...round.errors);
      for (const [who, n] of Object.entries(round.counts)) healed.counts[who] = (healed.counts[who] ?? 0) + n;
      if (events.includes(`close:${c.port}`) || Date.now() > end) break;
    }
    assert.deepEqual(healed.errors, []);
    assert.ok(events.includes(`halfOpen:${c.port}`) && events.includes(`close:${c.port}`), `events: ${events}`);
    assert.ok((healed.counts.c ?? 0) > 0, 'the healed provider takes traffic again');
  } finally {
    await rr.stop(0);
  }
});

test('SIGKILL of a provider under load: no idempotent call fails', async () => {
  const a = providers.find((p) => p.name === 'a');
  const running = load(client, 1500);
  await new Promise((r) => setTimeout(r, 400));
  a.child.kill('SIGKILL');
  await once(a.child, 'exit');
  const { counts, errors } = await running;
  assert.deepEqual(errors, []);
  assert.ok(counts.a > 0 && counts.b > 0 && counts.c > 0, JSON.stringify(counts));
});
