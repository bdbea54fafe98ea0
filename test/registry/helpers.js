// Shared by the registry suites: provider processes, and (from test/helpers.js) a bounded call loop.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from '../helpers.js';

export { callLoop, sleep } from '../helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Starts test/registry/provider.js against `url`; resolves once it serves, with its port. */
export function startProvider(url, timeoutMs = 15_000) {
  const child = spawn(process.execPath, [`${here}provider.js`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`provider: no READY within ${timeoutMs} ms\n${err}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provider exited ${code}\n${err}`));
    });
  });
  return { child, ready, kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL') };
}

/** Polls `condition` every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
