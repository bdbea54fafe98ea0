// A peer consumer in load mode (`--suite load`: 128 threads calling back to back, `LOADING n` once
// all are going, `LOAD {calls, failed, first}` and one case line when stdin ends) against two
// providers; one is stopped with SIGTERM while it runs. What the graceful-stop fleet tests share.
import { once } from 'node:events';
import { waitForLine } from './processes.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * With `child` loading both providers, SIGTERMs `stopping` (a startPeer handle), waits for its exit,
 * lets the load run on the other a while, then ends the consumer. Resolves with the provider's exit
 * code, the consumer's counts (`calls`, `failed`, `first`) and its output. Waits are bounds or
 * "keep going a while", never what a result depends on.
 */
export async function stopOneUnderLoad(child, stopping, { threads = 128, name = 'consumer' } = {}) {
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-6000)));
  const exited = once(child, 'exit');
  await waitForLine(child, new RegExp(`LOADING ${threads}\\b`), 120_000).catch((e) => {
    throw new Error(`${name}: ${e.message}\n${err}`);
  });
  await sleep(1000); // both providers take calls for a while
  const exit = await stopping.stop(30_000);
  await sleep(1000); // and the other one alone
  child.stdin.end('STOP\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const [code] = await exited;
  clearTimeout(timer);
  const m = /^LOAD (\{.*\})$/m.exec(out);
  if (!m) throw new Error(`${name}: no LOAD line (exit ${code})\n${out.slice(-3000)}\n${err}`);
  return { exit, code, out, err, ...JSON.parse(m[1]) };
}
