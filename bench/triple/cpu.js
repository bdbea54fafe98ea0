#!/usr/bin/env node
// CPU per unary call: Meshlet Triple (consumer → provider) against grpc-js (client → server), the
// same echo (1 KiB string, 128 in flight, one HTTP/2 connection), measured in the same rounds.
//
//   node bench/triple/cpu.js [--seconds 3] [--concurrency 128] [--payload 1024] [--repeat 3]
//
// Both servers stay up for the whole run: the conformance provider over tri and bench/grpc/server.js.
// Each round runs one load process against each (bench/sidecar/cpu-consumer.js --protocol tri;
// bench/grpc/cpu-consumer.js), alternating which goes first. Each process's CPU time (server:
// /proc/<pid>/stat; load: its own process.cpuUsage) over the load's life is divided by the calls
// made. On a busy 2-core machine this moves far less than calls/s: it is the figure to quote.
// Prints a table and one JSON line (medians).
import os from 'node:os';
import { children, cpuUs, start } from '../lib/processes.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const seconds = Number(opt('seconds', '3'));
const concurrency = Number(opt('concurrency', '128'));
const payload = Number(opt('payload', '1024'));
const repeat = Math.max(1, Number(opt('repeat', '3')) | 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const load = ['--seconds', String(seconds), '--concurrency', String(concurrency), '--payload', String(payload)];

const MODES = {
  tri: {
    server: ['examples/conformance/provider.js', '--protocol', 'tri', '--port', '0'],
    client: (port) => ['bench/sidecar/cpu-consumer.js', '--protocol', 'tri', '--target', `127.0.0.1:${port}`, ...load],
  },
  'grpc-js': {
    server: ['bench/grpc/server.js', '--port', '0'],
    client: (port) => ['bench/grpc/cpu-consumer.js', '--target', `127.0.0.1:${port}`, ...load],
  },
};

try {
  const servers = {};
  for (const [mode, m] of Object.entries(MODES)) {
    const proc = start(m.server, { MESHLET_AGENT: 'off' });
    servers[mode] = { proc, port: Number(await proc.line(/^READY (\d+)$/m)) };
  }
  const runs = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 === 0 ? ['tri', 'grpc-js'] : ['grpc-js', 'tri'];
    for (const mode of order) {
      const s = servers[mode];
      const p0 = cpuUs(s.proc.child.pid);
      const c = start(MODES[mode].client(s.port), { MESHLET_AGENT: 'off' });
      const r = JSON.parse(await c.line(/^(\{.*\})$/m));
      const p = cpuUs(s.proc.child.pid) - p0;
      if (r.errors > 0) process.stderr.write(`${mode}: ${r.errors} errors (${r.first_error})\n`);
      runs[mode].push({ qps: r.calls / r.seconds, client: r.cpu_us / r.calls, server: p / r.calls });
      process.stderr.write(`run ${i + 1} ${mode}: ${Math.round(r.calls / r.seconds)} calls/s, µs/call client ${(r.cpu_us / r.calls).toFixed(1)}, server ${(p / r.calls).toFixed(1)}\n`);
    }
  }
  const results = {};
  for (const [mode, rs] of Object.entries(runs)) {
    results[mode] = Object.fromEntries(['qps', 'client', 'server'].map((k) => [k, Number(median(rs.map((r) => r[k])).toFixed(1))]));
  }
  console.log(`\nCPU per unary call, echo ${payload} B, ${concurrency} in flight, one connection, ${seconds} s × ${repeat} (medians); node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('pair      calls/s  client µs  server µs  total µs  × grpc-js (CPU)  × grpc-js (calls/s)');
  const base = results['grpc-js'];
  for (const [mode, m] of Object.entries(results)) {
    const total = m.client + m.server;
    console.log(`${mode.padEnd(8)}  ${String(Math.round(m.qps)).padStart(7)}  ${m.client.toFixed(1).padStart(9)}  ${m.server.toFixed(1).padStart(9)}  ${total.toFixed(1).padStart(8)}  ${(total / (base.client + base.server)).toFixed(2).padStart(15)}  ${(m.qps / base.qps).toFixed(2).padStart(19)}`);
  }
  console.log(JSON.stringify({ payload, concurrency, seconds, repeat, results }));
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const c of children) c.kill('SIGKILL');
}
