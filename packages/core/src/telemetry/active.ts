import { createNoopMeter, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';

/**
 * Whether an SDK is registered. With none, the call path skips span and metric work entirely
 * (the API would hand out no-ops, but building their arguments still costs per call).
 */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NoopMeter = createNoopMeter().constructor;

export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

export function metricsActive(): boolean {
  return !(metrics.getMeterProvider().getMeter('meshlet') instanceof NoopMeter);
}
