#!/usr/bin/env node
// grpc-js unary echo client for the bench harness, with the conformance consumer's --bench contract:
//   node bench/grpc/client.js --target 127.0.0.1:PORT --bench [--payload 1024] [--concurrency 128]
//        [--seconds 5] [--connections 1]
// Keeps --concurrency calls in flight on one channel for --seconds and prints one JSON line
// {"calls":n,"errors":n,"qps":x,"p50_ms":x,"p99_ms":x,"rss_mb":x}.
import { performance } from 'node:perf_hooks';
import { echoService, grpc } from './load.js';

const o = { target: '', payload: 1024, concurrency: 128, seconds: 5, connections: 1 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = () => argv[++i];
  switch (a) {
    case '--target': o.target = v(); break;
    case '--payload': o.payload = Number(v()); break;
    case '--concurrency': o.concurrency = Math.max(1, Number(v()) | 0); break;
    case '--seconds': o.seconds = Number(v()); break;
    case '--connections': o.connections = Number(v()); break;
    case '--bench': break;
    case '--method': case '--protocol': v(); break; // accepted for symmetry; always echo
    default:
      process.stderr.write(`grpc client: unknown argument ${a}\n`);
      process.exit(2);
  }
}
if (!o.target) {
  process.stderr.write('grpc client: --target host:port is required\n');
  process.exit(2);
}
if (o.connections !== 1) {
  process.stderr.write('grpc client: one connection only\n');
  process.exit(2);
}

const Echo = echoService();
const client = new Echo(o.target, grpc.credentials.createInsecure());
const request = { text: 'x'.repeat(o.payload) };
const call = () => new Promise((resolve, reject) => client.Echo(request, (err, reply) => (err ? reject(err) : resolve(reply))));

// Warm up: the channel, then the JIT (grpc-js needs it more than most).
await call();
const warmEnd = performance.now() + 500;
while (performance.now() < warmEnd) await Promise.all(Array.from({ length: 16 }, call));

const latencies = [];
let calls = 0;
let errors = 0;
const end = performance.now() + o.seconds * 1000;
const worker = async () => {
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      await call();
      calls++;
      if ((calls & 7) === 0) latencies.push(performance.now() - t0);
    } catch {
      errors++;
    }
  }
};
const start = performance.now();
await Promise.all(Array.from({ length: o.concurrency }, worker));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(3)) : null);
console.log(JSON.stringify({
  calls, errors, qps: Math.round(calls / elapsed), p50_ms: q(0.5), p99_ms: q(0.99),
  rss_mb: Math.round(process.memoryUsage().rss / 1048576),
}));
client.close();
process.exit(0);
