// Child processes of a CPU benchmark: started from the repo root, their stdout read for a line,
// killed together at the end, and their CPU time read from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The processes started and not yet exited: the benchmark kills them when it ends. */
export const children = new Set();
export const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** Starts `node args…` at the repo root; `line(re)` resolves with the first match's group 1 on its stdout. */
export function start(args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const line = (re) => new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) {
        child.stdout.off('data', check);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', check);
    check();
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code} before printing ${re}`)));
  });
  return { child, line };
}

/** utime + stime of `pid`, µs. */
export function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}
