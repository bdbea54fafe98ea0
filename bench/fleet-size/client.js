#!/usr/bin/env node
// One load client of the fleet-size bench (bench/fleet-size/run.js prints the table):
//   --mode mem    the consumer's whole per-call path (proxy, failover, tag router, directory, p2c,
//                 breakers, telemetry without SDK) over --endpoints N fake endpoints whose clients
//                 answer on the next microtask: the cost of choosing among N, with no network.
//   --mode dubbo  real Dubbo calls to --target host:port over --connections C connections (C
//                 loopback addresses 127.0.0.1, 127.0.0.2, … of the same provider, one endpoint each).
// --lb NAME the balancer (default p2c, meshlet-rpc's): random, roundrobin, leastpending, consistenthash.
// --weights unequal gives endpoints weights 100, 200, 300, 100, ...; --weights mixed does too and
//   starts one endpoint in a hundred just now (a 10-minute warm-up ramp in progress): the slow paths
//   of the weighted balancers.
// --root DIR loads the packages from another checkout (to measure a commit before a change).
// Prints one JSON line: calls, errors, qps, p99_ms, cpu_us_per_call.
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from '../../examples/conformance/protocols.js';

const args = parseArgs(process.argv.slice(2));
const root = resolve(args.root ?? new URL('../../', import.meta.url).pathname);
const load = (p) => import(pathToFileURL(resolve(root, p)).href);
const core = await load('packages/core/dist/index.js');
const { loadBalancerFactory } = await load('packages/lb/dist/index.js');
const { BreakerSet } = await load('packages/breaker/dist/index.js');
const { EchoService } = await load('examples/conformance/service.js');
const mode = args.mode ?? 'mem';
const concurrency = Number(args.concurrency ?? 128);
const seconds = Number(args.seconds ?? 3);
const payload = 'x'.repeat(Number(args.payload ?? 16));

/** Clients that answer with the first argument on the next microtask: no I/O, no codec. A class, as the transports' clients are. */
class MemClient {
  available = true;
  constructor(endpoint) { this.endpoint = endpoint; }
  invoke(inv) { return Promise.resolve(inv.args[0]); }
  async close() {}
}
const mem = {
  name: 'mem',
  defaultPort: 1,
  createClient: (endpoint) => new MemClient(endpoint),
  createServer() { throw new Error('the mem protocol only calls'); },
  toUrl: () => 'mem://',
  fromUrl: () => undefined,
};

// The defaults a production consumer keeps (meshlet-rpc's): failover, p2c, per-endpoint breakers.
const governance = { cluster: 'failover', loadBalancer: loadBalancerFactory(args.lb ?? 'p2c'), breakers: () => new BreakerSet() };
let mesh, urls;
if (mode === 'mem') {
  mesh = core.createRuntime({ protocols: [mem], ...governance });
  const n = Number(args.endpoints ?? 10);
  const ramp = (i) => (args.weights === 'mixed' && i % 100 === 0 ? `&timestamp=${Date.now()}&warmup=600000` : '');
  const query = args.weights === 'mixed' || args.weights === 'unequal' ? (i) => `?weight=${100 * (1 + (i % 3))}${ramp(i)}` : () => '';
  urls = Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:20880${query(i)}`);
} else {
  const { dubbo } = await load('packages/transport-dubbo/dist/index.js');
  mesh = core.createRuntime({ protocols: [dubbo()], ...governance });
  const [, port] = args.target.split(':');
  const c = Number(args.connections ?? 1);
  urls = Array.from({ length: c }, (_, i) => `127.0.${(i + 1) >> 8}.${(i + 1) & 255}:${port}`);
}
const echo = mesh.refer(EchoService, { url: urls, protocol: mode === 'mem' ? 'mem' : 'dubbo', timeout: 10_000 }).echo;

const warm = performance.now() + 1000;
while (performance.now() < warm) await Promise.all(Array.from({ length: concurrency }, () => echo(payload)));

const latencies = [];
let calls = 0;
let errors = 0;
const end = performance.now() + seconds * 1000;
const start = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, async () => {
  // Calls start in batches between checks of the clock, so reading it is not what gets measured.
  while (performance.now() < end) {
    for (let k = 0; k < 16; k++) {
      const t0 = (calls & 7) === 0 ? performance.now() : 0;
      try {
        await echo(payload);
        if (t0 !== 0) latencies.push(performance.now() - t0);
        calls++;
      } catch {
        errors++;
      }
    }
  }
}));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const p99 = latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))].toFixed(3)) : null;
console.log(JSON.stringify({ calls, errors, qps: Math.round(calls / elapsed), p99_ms: p99, cpu_us_per_call: Number(((cpu.user + cpu.system) / Math.max(1, calls)).toFixed(2)) }));
await mesh.stop(0);
process.exit(0);
