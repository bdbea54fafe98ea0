// @meshlet/core/telemetry: what a plugin (a balancer, breakers, a registry, a transport) needs to
// report through Meshlet's OpenTelemetry instruments with the same names and status values as the
// runtime. Spans and metrics of calls are made by the runtime itself; apps only install an
// OpenTelemetry SDK. Telemetry imports the model only.
export { authzDenied, breakerTransition, tlsLoad } from './metrics.js';
export { telemetryActive, telemetryEnabled } from './tracing.js';
export { OK, statusOf } from './status.js';
export * from './semconv.js';
