#!/usr/bin/env node
// node bench/fleet-size/run.js [--seconds 3] [--repeat 3] [--root DIR] [--only endpoints|connections]
//                             [--lb p2c|random|roundrobin|leastpending|consistenthash] [--weights unequal|mixed]
// Cost per call against the size of the fleet, as ratios within one run (issue 14: "5,000
// endpoints cost within noise of 10", "many connections as cheap per call as one"):
//   endpoints    the consumer's whole per-call path over 10 vs 5,000 fake endpoints (no network)
//   connections  Dubbo echo to one provider process over 1 vs 100 connections (100 loopback addresses),
//                and the same over raw TCP (bench/fleet-size/raw.js against bench/raw-tcp/server.js,
//                sending as Meshlet's client does): what the extra connections cost with no framework
// Rows alternate within each repeat, each client a fresh process; medians of the repeats, and the
// spread of the CPU figure over the repeats (min–max), which is the noise to read the ratios against.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../../examples/conformance/protocols.js';

const args = parseArgs(process.argv.slice(2));
const seconds = String(args.seconds ?? 3);
const repeat = Number(args.repeat ?? 3);
const here = fileURLToPath(new URL('../../', import.meta.url));
const root = resolve(args.root ?? here);
const only = args.only;

function run(file, argv, onOut) {
  const child = spawn(process.execPath, [file, ...argv], { cwd: here, env: { ...process.env, MESHLET_TELEMETRY: process.env.MESHLET_TELEMETRY ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; onOut?.(out); });
  return { child, done: new Promise((res) => child.once('exit', (code) => res({ code, out }))) };
}

async function client(argv, file = 'bench/fleet-size/client.js') {
  const { code, out } = await run(resolve(here, file), ['--root', root, '--seconds', seconds, ...argv]).done;
  if (code !== 0) throw new Error(`client ${argv.join(' ')} exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Starts a server that prints `READY <port>`; resolves with it and its port. */
async function serve(file, argv) {
  let port;
  const server = run(file, argv, (out) => {
    const m = /READY (\d+)/.exec(out);
    if (m) port = Number(m[1]);
  });
  const deadline = Date.now() + 20_000;
  while (port === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (port === undefined) throw new Error(`${file} printed no READY line`);
  return { server, port };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const groups = [];
if (!only || only === 'endpoints') {
  // --lb and --weights apply to these rows: each balancer's 10 vs 5,000 ratio is one command.
  const mem = ['--mode', 'mem', '--lb', args.lb ?? 'p2c', ...(args.weights ? ['--weights', String(args.weights)] : [])];
  const what = `${args.lb ?? 'p2c'}${args.weights ? `, ${args.weights} weights` : ''}`;
  groups.push({ name: `endpoints (${what}; no network, 16 B, 128 in flight)`, rows: [['10 endpoints', [...mem, '--endpoints', '10']], ['5,000 endpoints', [...mem, '--endpoints', '5000']]] });
}
const servers = [];
if (!only || only === 'connections') {
  const dubbo = await serve(resolve(root, 'examples/conformance/provider.js'), ['--protocol', 'dubbo', '--port', '0', '--host', '0.0.0.0']);
  const raw = await serve(resolve(here, 'bench/raw-tcp/server.js'), ['--port', '0', '--host', '0.0.0.0']);
  servers.push(dubbo.server, raw.server);
  const target = ['--mode', 'dubbo', '--target', `127.0.0.1:${dubbo.port}`, '--payload', '1024'];
  groups.push({ name: 'connections (Dubbo echo 1 KiB, 128 in flight, one provider process)', rows: [['1 connection', [...target, '--connections', '1']], ['100 connections', [...target, '--connections', '100']]] });
  const rawTarget = ['--target', `127.0.0.1:${raw.port}`, '--payload', '1024'];
  const rawFile = 'bench/fleet-size/raw.js';
  groups.push({ name: 'raw TCP echo 1 KiB, same sending (no framework)', rows: [['raw, 1 connection', [...rawTarget, '--connections', '1'], rawFile], ['raw, 100 connections', [...rawTarget, '--connections', '100'], rawFile]] });
}

const results = new Map();
for (let i = 0; i < repeat; i++) {
  for (const g of groups) for (const [label, argv, file] of g.rows) {
    const r = await client(argv, file);
    const list = results.get(label) ?? [];
    list.push(r);
    results.set(label, list);
  }
}
for (const server of servers) {
  server.child.kill('SIGTERM');
  const killer = setTimeout(() => server.child.kill('SIGKILL'), 3000);
  await server.done;
  clearTimeout(killer);
}

console.log(`${root}: median of ${repeat} runs of ${seconds} s; client CPU per call is steadier than calls/s on a shared machine`);
console.log('group / row                                calls/s   p99 ms   client CPU µs/call   × first row (CPU)  errors   CPU min–max');
for (const g of groups) {
  console.log(g.name);
  let base;
  for (const [label] of g.rows) {
    const rs = results.get(label);
    const cpu = median(rs.map((r) => r.cpu_us_per_call));
    base ??= cpu;
    const cpus = rs.map((r) => r.cpu_us_per_call);
    const spread = `${Math.min(...cpus).toFixed(2)}–${Math.max(...cpus).toFixed(2)}`;
    const line = `  ${label.padEnd(38)} ${String(median(rs.map((r) => r.qps))).padStart(9)} ${String(median(rs.map((r) => r.p99_ms))).padStart(8)} ${cpu.toFixed(2).padStart(20)} ${(cpu / base).toFixed(2).padStart(19)}  ${String(rs.reduce((a, r) => a + r.errors, 0)).padStart(6)}   ${spread}`;
    console.log(line);
  }
}
process.exit(0);
