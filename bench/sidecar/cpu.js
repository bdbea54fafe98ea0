#!/usr/bin/env node
// CPU per call of Meshlet's agent against direct calls, measured in one run (issue 14, item 6).
//
//   node bench/sidecar/cpu.js [--protocol dubbo|bolt|motan2] [--seconds 3] [--concurrency 128]
//                             [--payload 1024] [--repeat 3] [--compare DIR]
//
// One conformance provider (direct mode) and one agent over a fresh `local` registry, kept for the
// whole run; a consumer process (cpu-consumer.js) runs the echo load directly against the provider,
// then in sidecar mode through the agent, alternating, --repeat times. Each process's CPU time
// (user + system, from /proc/<pid>/stat, or the consumer's own process.cpuUsage) over the consumer's
// life is divided by the calls it made. Prints a table and one JSON line (medians per mode).
// --compare DIR: a second agent from another build of @meshlet/agent (DIR holds its index.js,
// e.g. an older commit's packages/agent compiled into .cache/), measured in the same rounds as
// `sidecar-compare`: before/after figures side by side, under the same load.
// CPU µs per call stays meaningful on a loaded machine far better than calls/s, but other work
// still perturbs caches and scheduling: compare rows of the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { children, cpuUs, start } from '../lib/processes.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const protocol = opt('protocol', 'dubbo');
const seconds = Number(opt('seconds', '3'));
const concurrency = Number(opt('concurrency', '128'));
const payload = Number(opt('payload', '1024'));
const repeat = Math.max(1, Number(opt('repeat', '3')) | 0);
const compare = opt('compare', undefined);
const dir = mkdtempSync(path.join(os.tmpdir(), 'meshlet-bench-cpu-'));
const registry = `local://${dir}`;
async function consumer(env, target) {
  const args = ['bench/sidecar/cpu-consumer.js', '--protocol', protocol, '--seconds', String(seconds), '--concurrency', String(concurrency), '--payload', String(payload)];
  if (target) args.push('--target', target);
  const c = start(args, env);
  return JSON.parse(await c.line(/^(\{.*\})$/m));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

try {
  const provider = start(['examples/conformance/provider.js', '--protocol', protocol, '--port', '0', '--registry', registry], { MESHLET_AGENT: 'off' });
  const providerPort = Number(await provider.line(/^READY (\d+)$/m));
  // Both agents start the same way (agent-runner.js), so only their builds differ.
  const agents = { sidecar: start(['bench/sidecar/agent-runner.js', 'packages/agent/dist', registry]) };
  if (compare) agents['sidecar-compare'] = start(['bench/sidecar/agent-runner.js', compare, registry]);
  const ports = {};
  for (const [mode, a] of Object.entries(agents)) ports[mode] = JSON.parse(await a.line(/^READY (.*)$/m)).egress[0];
  const modes = ['direct', ...Object.keys(agents)];
  const runs = Object.fromEntries(modes.map((m) => [m, []]));
  for (let i = 0; i < repeat; i++) {
    // The order turns each round: a mode is not always the one run on a warmer (or busier) machine.
    for (const mode of [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)]) {
      const agent = agents[mode];
      const p0 = cpuUs(provider.child.pid);
      const a0 = agent ? cpuUs(agent.child.pid) : 0;
      const r = mode === 'direct'
        ? await consumer({ MESHLET_AGENT: 'off' }, `127.0.0.1:${providerPort}`)
        : await consumer({ MESHLET_AGENT: `meshlet://127.0.0.1:${ports[mode]}` });
      const p = cpuUs(provider.child.pid) - p0;
      const a = agent ? cpuUs(agent.child.pid) - a0 : 0;
      if (r.errors > 0) process.stderr.write(`${mode}: ${r.errors} errors (${r.first_error})\n`);
      runs[mode].push({ qps: r.calls / r.seconds, consumer: r.cpu_us / r.calls, agent: a / r.calls, provider: p / r.calls, calls: r.calls });
      process.stderr.write(`run ${i + 1} ${mode}: ${Math.round(r.calls / r.seconds)} calls/s, µs/call consumer ${(r.cpu_us / r.calls).toFixed(1)}, agent ${(a / r.calls).toFixed(1)}, provider ${(p / r.calls).toFixed(1)}\n`);
    }
  }
  const summary = {};
  for (const mode of modes) {
    const rs = runs[mode];
    summary[mode] = Object.fromEntries(['qps', 'consumer', 'agent', 'provider'].map((k) => [k, Number(median(rs.map((r) => r[k])).toFixed(1))]));
  }
  const d = summary.direct;
  const s = summary.sidecar;
  console.log(`\nCPU per call, ${protocol} echo ${payload} B, ${concurrency} in flight, ${seconds} s × ${repeat} (medians); node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('mode             calls/s   consumer µs  agent µs  provider µs  total µs');
  for (const [name, m] of Object.entries(summary)) {
    const total = m.consumer + m.agent + m.provider;
    console.log(`${name.padEnd(15)} ${String(Math.round(m.qps)).padStart(8)}  ${m.consumer.toFixed(1).padStart(11)}  ${m.agent.toFixed(1).padStart(8)}  ${m.provider.toFixed(1).padStart(11)}  ${total.toFixed(1).padStart(8)}`);
  }
  console.log(`\nagent µs per relayed call: ${s.agent.toFixed(1)} (${(s.agent / (d.consumer + d.provider)).toFixed(2)}× a direct call's consumer + provider CPU)`);
  const c = summary['sidecar-compare'];
  if (c) console.log(`--compare ${compare}: ${c.agent.toFixed(1)} µs per relayed call (this build ${(s.agent / c.agent).toFixed(2)}× it)`);
  console.log(JSON.stringify({ protocol, payload, concurrency, seconds, repeat, ...summary }));
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
