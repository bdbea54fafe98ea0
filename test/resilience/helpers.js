// Provider processes and a 128-in-flight call load for the resilience suites.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./provider.js', import.meta.url));

/** Starts provider.js speaking `protocol`, published in `registry` (`none`: direct URLs only). */
export async function startProvider(name, protocol, registry = 'none', env = {}) {
  const child = spawn(process.execPath, [script, protocol, registry], {
    env: { ...process.env, ...env, NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no READY\n${err}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}\n${err}`)); });
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    name, child, port, url: `127.0.0.1:${port}`, exited,
    stderr: () => err,
    kill: (signal = 'SIGKILL') => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); },
  };
}

/**
 * Keeps `inFlight` calls of `call(i)` going until `stop()`: counts answers per provider (the part
 * of the answer before ':') and keeps every failure.
 */
export function load(call, inFlight = 128) {
  const counts = {};
  const errors = [];
  let running = true;
  let seq = 0;
  const loops = Array.from({ length: inFlight }, async () => {
    while (running) {
      try {
        const who = String(await call(seq++)).split(':')[0];
        counts[who] = (counts[who] ?? 0) + 1;
      } catch (e) {
        errors.push(`${e?.code ?? ''} ${e?.message ?? e}`);
      }
    }
  });
  return {
    counts,
    errors,
    stop: async () => { running = false; await Promise.all(loops); return { counts, errors }; },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `condition()` holds, polling; throws after `timeoutMs` (a bound, not a wait). */
export async function until(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Calls `ledger.charge` at 128 in flight; once both providers have answered, SIGTERMs provider
 * `a`: it exits cleanly, no call fails, both answered.
 */
export async function sigtermOneUnderLoad(a, ledger) {
  const running = load((i) => ledger.charge(i));
  await until(() => running.counts.a > 50 && running.counts.b > 50, 15_000);
  a.kill('SIGTERM');
  const exit = await a.exited;
  await sleep(300);
  const { counts, errors } = await running.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `a's exit; stderr: ${a.stderr()}`);
  assert.deepEqual([...new Set(errors)].slice(0, 5), [], `${errors.length} failed; answers ${JSON.stringify(counts)}`);
  assert.ok(counts.a > 0 && counts.b > 0, JSON.stringify(counts));
}
