#!/usr/bin/env node
// The grpc-js side of bench/triple/cpu.js, with bench/sidecar/cpu-consumer.js's contract: unary echo
// at a fixed number of calls in flight on one channel for a fixed time, every call counted (no
// separate warm-up: the harness divides the server's CPU over this process's whole life by it).
//   node bench/grpc/cpu-consumer.js --target 127.0.0.1:PORT [--payload 1024] [--concurrency 128] [--seconds 3]
// Prints one JSON line: calls, errors, seconds, own CPU µs.
import { echoService, grpc } from './load.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const target = opt('target', '');
if (!target) {
  process.stderr.write('grpc cpu-consumer: --target host:port is required\n');
  process.exit(2);
}
const Echo = echoService();
const client = new Echo(target, grpc.credentials.createInsecure());
const request = { text: 'x'.repeat(Number(opt('payload', '1024'))) };
const call = () => new Promise((resolve, reject) => client.Echo(request, (err, reply) => (err ? reject(err) : resolve(reply))));
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const end = t0 + Number(opt('seconds', '3')) * 1000;
let calls = 0;
let errors = 0;
let firstError;
await Promise.all(Array.from({ length: Number(opt('concurrency', '128')) }, async () => {
  while (Date.now() < end) {
    try {
      await call();
      calls++;
    } catch (err) {
      errors++;
      firstError ??= String(err?.message ?? err);
    }
  }
}));
const cpu = process.cpuUsage(cpu0);
const seconds = (Date.now() - t0) / 1000;
client.close();
console.log(JSON.stringify({ calls, errors, seconds, cpu_us: cpu.user + cpu.system, first_error: firstError }));
process.exit(0);
