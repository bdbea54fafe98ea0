import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The application side of telemetry. Meshlet's libraries use only `@opentelemetry/api`; an app
 * that wants to see their spans and metrics starts an SDK, and this is the short way to do it.
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

export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const exporter = options.exporter ?? 'otlp';
  const traceExporter: SpanExporter = exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const metricExporter: PushMetricExporter = exporter === 'console' ? new ConsoleMetricExporter() : new OTLPMetricExporter();
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? options.serviceName,
    traceExporter,
    metricReader: new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: options.metricInterval ?? (exporter === 'console' ? 10_000 : 60_000),
    }),
    // Meshlet instruments its own calls; no auto-instrumentation is pulled in.
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * `MESHLET_OTEL=otlp|console` turns telemetry on without code changes; unset, nothing starts.
 * Returns the handle when it started something.
 */
export function startTelemetryFromEnv(serviceName?: string): Telemetry | undefined {
  const mode = process.env.MESHLET_OTEL;
  if (!mode || mode === 'off') return undefined;
  if (mode !== 'otlp' && mode !== 'console') {
    throw new Error(`MESHLET_OTEL must be otlp, console or off, not ${JSON.stringify(mode)}`);
  }
  return startTelemetry({ serviceName, exporter: mode });
}
