import { metrics, trace } from '@opentelemetry/api';
import { Code, RpcError } from '@meshlet/core';
import { importSdk } from './optional.js';

/**
 * The application side of telemetry. Meshlet's libraries use only `@opentelemetry/api`; an app
 * that wants to see their spans and metrics starts an SDK, and this is the short way to do it.
 * The SDK and the exporters are optional peer dependencies, loaded here only when telemetry
 * starts: an app that never turns it on installs none of them.
 */
export interface TelemetryOptions {
  /** `service.name` of the resource; `OTEL_SERVICE_NAME` wins when set. */
  readonly serviceName?: string;
  /**
   * `otlp` (default): OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (http://localhost:4318);
   * `console`: print spans and metrics, for development.
   */
  readonly exporter?: 'otlp' | 'console';
  /** How often metrics are exported, ms (60 000; 10 000 for console). */
  readonly metricInterval?: number;
}

export interface Telemetry {
  /** Flushes what is pending and stops exporting. */
  shutdown(): Promise<void>;
}

/** The packages each exporter needs, as one `npm install` line. */
export const SDK_PACKAGES = {
  console: ['@opentelemetry/sdk-trace-node@^2.12.0', '@opentelemetry/sdk-trace-base@^2.12.0', '@opentelemetry/sdk-metrics@^2.12.0', '@opentelemetry/resources@^2.12.0'],
  otlp: ['@opentelemetry/exporter-trace-otlp-http@^0.223.0', '@opentelemetry/exporter-metrics-otlp-http@^0.223.0'],
} as const;

export async function startTelemetry(options: TelemetryOptions = {}): Promise<Telemetry> {
  const exporter = options.exporter ?? 'otlp';
  if (exporter !== 'otlp' && exporter !== 'console') {
    throw new RpcError(Code.InvalidArgument, `telemetry exporter must be otlp or console, not ${JSON.stringify(exporter)}`);
  }
  const install = (exporter === 'otlp' ? [...SDK_PACKAGES.console, ...SDK_PACKAGES.otlp] : SDK_PACKAGES.console).join(' ');
  const [node, base, sdkMetrics, resources] = await Promise.all([
    importSdk(() => import('@opentelemetry/sdk-trace-node'), '@opentelemetry/sdk-trace-node', install),
    importSdk(() => import('@opentelemetry/sdk-trace-base'), '@opentelemetry/sdk-trace-base', install),
    importSdk(() => import('@opentelemetry/sdk-metrics'), '@opentelemetry/sdk-metrics', install),
    importSdk(() => import('@opentelemetry/resources'), '@opentelemetry/resources', install),
  ]);
  let spanExporter: import('@opentelemetry/sdk-trace-base').SpanExporter;
  let metricExporter: import('@opentelemetry/sdk-metrics').PushMetricExporter;
  if (exporter === 'console') {
    spanExporter = new base.ConsoleSpanExporter();
    metricExporter = new sdkMetrics.ConsoleMetricExporter();
  } else {
    const [traces, metricsOtlp] = await Promise.all([
      importSdk(() => import('@opentelemetry/exporter-trace-otlp-http'), '@opentelemetry/exporter-trace-otlp-http', install),
      importSdk(() => import('@opentelemetry/exporter-metrics-otlp-http'), '@opentelemetry/exporter-metrics-otlp-http', install),
    ]);
    spanExporter = new traces.OTLPTraceExporter();
    metricExporter = new metricsOtlp.OTLPMetricExporter();
  }
  const serviceName = process.env.OTEL_SERVICE_NAME ?? options.serviceName;
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(serviceName ? { 'service.name': serviceName } : {}));
  // The tracer provider registers AsyncLocalStorage context and the W3C trace-context and baggage
  // propagators, which carry Meshlet's spans across calls. No auto-instrumentation is pulled in:
  // Meshlet instruments its own calls.
  const tracerProvider = new node.NodeTracerProvider({ resource, spanProcessors: [new base.BatchSpanProcessor(spanExporter)] });
  tracerProvider.register();
  const meterProvider = new sdkMetrics.MeterProvider({
    resource,
    readers: [
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: options.metricInterval ?? (exporter === 'console' ? 10_000 : 60_000),
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  let stopped: Promise<void> | undefined;
  return {
    shutdown: () =>
      (stopped ??= Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => {
        trace.disable();
        metrics.disable();
      })),
  };
}

/**
 * `MESHLET_OTEL=otlp|console` turns telemetry on without code changes; unset, nothing starts
 * (and nothing is loaded). Resolves to the handle when it started something.
 */
export async function startTelemetryFromEnv(serviceName?: string): Promise<Telemetry | undefined> {
  const mode = process.env.MESHLET_OTEL;
  if (!mode || mode === 'off') return undefined;
  if (mode !== 'otlp' && mode !== 'console') {
    throw new RpcError(Code.InvalidArgument, `MESHLET_OTEL must be otlp, console or off, not ${JSON.stringify(mode)}`);
  }
  return startTelemetry({ serviceName, exporter: mode });
}
