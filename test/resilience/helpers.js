// Provider processes and a 128-in-flight call load for the resilience suites.
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
