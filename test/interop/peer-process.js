// Launches the npm peers of the interop suites (scripts under ./peers/) as child processes: the
// peers must not share a process with Meshlet or with each other (see bolt-interop.test.js).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const peers = fileURLToPath(new URL('./peers/', import.meta.url));

/** Runs a peer script to completion; resolves with its stdout JSON lines. */
export async function runPeer(script, args, ms = 60_000) {
  const child = spawn(process.execPath, [peers + script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, `${script} exited ${code}: ${err}`);
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/** Starts a long-running peer and resolves with its port once it prints READY. */
export async function startPeer(script, args) {
  const child = spawn(process.execPath, [peers + script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${script}: no READY in 15 s`)), 15_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /READY (\d+)/.exec(buf);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited ${code}`)); });
  });
  return { child, port };
}
