import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { importSdk } from './optional.js';
import { startTelemetry, startTelemetryFromEnv } from './index.js';

test('console telemetry registers a tracer provider whose spans reach the console exporter', async (t) => {
  const printed: unknown[] = [];
  t.mock.method(console, 'dir', (x: unknown) => void printed.push(x));
  t.mock.method(console, 'log', () => {});
  const telemetry = await startTelemetry({ serviceName: 'otel-test', exporter: 'console', metricInterval: 60_000 });
  trace.getTracer('t').startSpan('meshlet-otel-span').end();
  await telemetry.shutdown();
  assert.ok(printed.some((x) => (x as { name?: string }).name === 'meshlet-otel-span'), 'the span was exported');
  await telemetry.shutdown(); // twice is harmless
});

test('bad exporters and env values are INVALID_ARGUMENT; unset env starts nothing', async () => {
  await assert.rejects(startTelemetry({ exporter: 'jaeger' as never }), { code: 'INVALID_ARGUMENT' });
  const saved = process.env.MESHLET_OTEL;
  try {
    delete process.env.MESHLET_OTEL;
    assert.equal(await startTelemetryFromEnv('x'), undefined);
    process.env.MESHLET_OTEL = 'zipkin';
    await assert.rejects(startTelemetryFromEnv('x'), { code: 'INVALID_ARGUMENT', message: /MESHLET_OTEL/ });
  } finally {
    if (saved === undefined) delete process.env.MESHLET_OTEL;
    else process.env.MESHLET_OTEL = saved;
  }
});

test('a missing SDK package names the npm install line', async () => {
  await assert.rejects(importSdk(() => import('@opentelemetry/no-such-sdk' as string), '@opentelemetry/no-such-sdk', 'a b'), {
    code: 'INVALID_ARGUMENT',
    message: '@meshlet/otel needs @opentelemetry/no-such-sdk for this exporter: npm install a b',
  });
});
