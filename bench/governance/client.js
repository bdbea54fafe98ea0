#!/usr/bin/env node
// A load client for the governance cost: the same echo calls through three stacks.
//   --variant bare      failfast, round robin, no breakers, telemetry compiled out (MESHLET_TELEMETRY=off)
//   --variant defaults  failover + retry budget, p2c, per-endpoint breakers, telemetry with no SDK
//   --variant sdk       defaults with an OpenTelemetry SDK recording every span and metric
// Prints the conformance consumer's JSON line.
import { performance } from 'node:perf_hooks';
import { createRuntime } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { loadBalancerFactory } from '@meshlet/lb';
import { BreakerSet } from '@meshlet/breaker';
import { EchoService } from '../../examples/conformance/service.js';
import { parseArgs } from '../../examples/conformance/protocols.js';

const args = parseArgs(process.argv.slice(2));
const variant = args.variant ?? 'defaults';
if (variant === 'sdk') await installSdk();

const governance = { cluster: 'failover', loadBalancer: loadBalancerFactory('p2c'), breakers: () => new BreakerSet() };
const stacks = {
  bare: { cluster: 'failfast' },
  failover: { cluster: 'failover' },
  p2c: { cluster: 'failfast', loadBalancer: loadBalancerFactory('p2c') },
  breakers: { cluster: 'failfast', breakers: () => new BreakerSet() },
  governance,
  defaults: governance,
  sdk: governance,
};
const mesh = createRuntime({ protocols: [dubbo()], ...stacks[variant] });
const echo = mesh.refer(EchoService, { url: args.target, timeout: 10_000 }).echo;
const payload = 'x'.repeat(Number(args.payload ?? 1024));
const concurrency = Number(args.concurrency ?? 128);
const seconds = Number(args.seconds ?? 3);

const warm = performance.now() + 1000;
while (performance.now() < warm) await Promise.all(Array.from({ length: 32 }, () => echo(payload)));

const latencies = [];
let calls = 0;
let errors = 0;
const end = performance.now() + seconds * 1000;
const start = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      await echo(payload);
      if ((++calls & 7) === 0) latencies.push(performance.now() - t0);
    } catch {
      errors++;
    }
  }
}));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const q = (p) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(3));
console.log(JSON.stringify({ calls, errors, qps: Math.round(calls / elapsed), p50_ms: q(0.5), p99_ms: q(0.99), rss_mb: Math.round(process.memoryUsage().rss / 1048576), cpu_us_per_call: Number(((cpu.user + cpu.system) / calls).toFixed(2)) }));
await mesh.stop(0);
process.exit(0);

/** A recording SDK that exports nowhere: the cost of spans and metrics themselves. */
async function installSdk() {
  const { context, metrics, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
  const nowhere = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(nowhere)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  metrics.setGlobalMeterProvider(new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 })],
  }));
}
