#!/usr/bin/env node
// node bench/governance/run.js [--seconds 3] [--repeat 3] [--variants bare,telemetry,failover,p2c,breakers,governance,defaults,sdk]
// The cost of the governance chain and of telemetry per call, in one run against one provider
// process: bare stack vs the defaults (failover, p2c, breakers, telemetry without SDK) vs the
// defaults with a recording SDK. Prints calls/s, p99, the client's CPU time per call (steadier
// than calls/s on a shared machine) and ratios to the bare stack (median of runs).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../../examples/conformance/protocols.js';

const args = parseArgs(process.argv.slice(2));
const seconds = Number(args.seconds ?? 3);
const repeat = Number(args.repeat ?? 3);
const root = fileURLToPath(new URL('../../', import.meta.url));

function run(file, argv, env = {}, onLine) {
  const child = spawn(process.execPath, [file, ...argv], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; onLine?.(out); });
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))) };
}

// The provider runs with telemetry off, so only the client's stack differs between rows.
let port;
const provider = run('examples/conformance/provider.js', ['--protocol', 'dubbo', '--port', '0'], { MESHLET_TELEMETRY: 'off' }, (out) => {
  const m = /READY (\d+)/.exec(out);
  if (m) port = Number(m[1]);
});
while (port === undefined) await new Promise((r) => setTimeout(r, 50));

const OFF = { MESHLET_TELEMETRY: 'off' };
const variants = (args.variants ?? 'bare,telemetry,governance,defaults,sdk').split(',').map((id) => ({
  bare: { id: 'bare', variant: 'bare', env: OFF },
  telemetry: { id: 'telemetry', variant: 'bare', env: {} },
  failover: { id: 'failover', variant: 'failover', env: OFF },
  p2c: { id: 'p2c', variant: 'p2c', env: OFF },
  breakers: { id: 'breakers', variant: 'breakers', env: OFF },
  governance: { id: 'governance', variant: 'governance', env: OFF },
  defaults: { id: 'defaults', variant: 'defaults', env: {} },
  sdk: { id: 'sdk', variant: 'sdk', env: {} },
})[id]);
const results = {};
for (let i = 0; i < repeat; i++) {
  for (const v of variants) {
    const { code, out } = await run('bench/governance/client.js', ['--variant', v.variant, '--target', `127.0.0.1:${port}`, '--seconds', String(seconds)], v.env).done;
    if (code !== 0) throw new Error(`${v.id} client exited ${code}`);
    (results[v.id] ??= []).push(JSON.parse(out.trim().split('\n').at(-1)));
  }
}
provider.child.kill('SIGTERM');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results.bare.map((r) => r.qps));
console.log(`Dubbo echo 1 KiB, 128 in flight, one connection; median of ${repeat} runs of ${seconds} s; client stacks:`);
console.log('variant      calls/s   vs bare   p99 ms  client CPU µs/call  vs bare  errors');
const baseCpu = median(results.bare.map((r) => r.cpu_us_per_call));
for (const v of variants) {
  const qps = median(results[v.id].map((r) => r.qps));
  const p99 = median(results[v.id].map((r) => r.p99_ms));
  const errors = results[v.id].reduce((a, r) => a + r.errors, 0);
  const cpu = median(results[v.id].map((r) => r.cpu_us_per_call));
  console.log(`${v.id.padEnd(11)} ${String(qps).padStart(8)}   ${((qps / base) * 100).toFixed(1).padStart(6)}%  ${String(p99).padStart(7)}  ${String(cpu).padStart(18)}  ${((cpu / baseCpu) * 100).toFixed(1).padStart(6)}%  ${errors}`);
}
process.exit(0);
