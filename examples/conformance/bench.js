// Load mode of the conformance consumer: a fixed number of calls in flight for a fixed time.
import { performance } from 'node:perf_hooks';

export async function bench(mesh, definition, args) {
  const method = args.method ?? 'echo';
  const payload = Number(args.payload ?? 1024);
  const concurrency = Number(args.concurrency ?? 128);
  const seconds = Number(args.seconds ?? 5);
  // `--connections N`: the consumer's runtime keeps N connections per provider address (consumer.js
  // passes it as `connections`); one reference spreads its calls over them.
  const clients = [mesh.refer(definition, { url: args.target, timeout: 10_000 })];
  const arg = method === 'echo' ? 'x'.repeat(payload) : undefined;
  const call = (client) => (method === 'echo' ? client.echo(arg) : client[method]());

  // Warm up: connections, JIT.
  await Promise.all(clients.map((c) => call(c)));
  const warmEnd = performance.now() + 500;
  // 16 in flight, but one at a time from 16 MiB up (16 × 64 MiB would be a GiB per copy held).
  const warmInFlight = payload >= 16 * 1024 * 1024 ? 1 : 16;
  while (performance.now() < warmEnd) await Promise.all(Array.from({ length: warmInFlight }, () => call(clients[0])));

  const latencies = [];
  let calls = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (client) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call(client);
        calls++;
        if ((calls & 7) === 0 || payload >= 1 << 20) latencies.push(performance.now() - t0); // large echoes are few: keep each
      } catch {
        errors++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(clients[i % clients.length])));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(3)) : null);
  return {
    calls, errors, qps: calls / elapsed >= 100 ? Math.round(calls / elapsed) : Math.round((calls / elapsed) * 100) / 100, p50_ms: q(0.5), p99_ms: q(0.99),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  };
}
