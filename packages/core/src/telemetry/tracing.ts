import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { RpcError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { ServiceKey } from '../service-key.js';
import { statusOf } from './status.js';
import type { Invocation } from '../invocation.js';
import {
  ATTR_ERROR_TYPE, ATTR_MESHLET_ATTEMPT, ATTR_NETWORK_PEER_ADDRESS, ATTR_NETWORK_PEER_PORT, ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_RPC_SYSTEM_NAME, rpcSystem,
} from './semconv.js';
import { extract, inject } from './propagation.js';
import { callStarted, recordCall } from './metrics.js';
import { metricsActive, tracingActive } from './active.js';

const tracer = trace.getTracer('meshlet', '0.1.0');

/**
 * `MESHLET_TELEMETRY=off` removes spans and metrics from the call path altogether (the bench
 * measures what they cost when no SDK is registered, against this).
 */
export const telemetryEnabled = process.env.MESHLET_TELEMETRY !== 'off';

/** Whether this call should be traced or measured: enabled, and an SDK is there to receive it. */
export function telemetryActive(): boolean {
  return telemetryEnabled && (tracingActive() || metricsActive());
}

/** `interface/method`, the fully qualified `rpc.method`. */
function rpcMethod(inv: Invocation): string {
  return `${inv.service.interface}/${inv.method.name}`;
}

/**
 * One CLIENT span per attempt: a retried call shows each attempt. The span's context is injected
 * into the attachments the transport sends. Callers check `telemetryActive()` first, so without
 * an SDK the call path allocates nothing for telemetry.
 */
export function clientAttempt(inv: Invocation, target: Endpoint, attempt: number, send: () => Promise<unknown>): Promise<unknown> {
  const name = rpcMethod(inv);
  const system = rpcSystem(target.protocol);
  const span = tracer.startSpan(name, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_RPC_SYSTEM_NAME]: system,
      [ATTR_RPC_METHOD]: name,
      [ATTR_SERVER_ADDRESS]: target.host,
      [ATTR_SERVER_PORT]: target.port,
      [ATTR_NETWORK_PEER_ADDRESS]: target.host,
      [ATTR_NETWORK_PEER_PORT]: target.port,
      [ATTR_MESHLET_ATTEMPT]: attempt,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  inject(ctx, inv.attachments);
  callStarted('client', 1);
  const start = performance.now();
  return context.with(ctx, send).then(
    (value) => {
      const status = statusOf('client', undefined);
      finish(span, status, undefined);
      callStarted('client', -1);
      recordCall('client', system, name, performance.now() - start, status);
      return value;
    },
    (err: unknown) => {
      const status = statusOf('client', err);
      finish(span, status, err);
      callStarted('client', -1);
      recordCall('client', system, name, performance.now() - start, status);
      throw err;
    },
  );
}

/** The SERVER span of a handled request, child of the caller's span when the request carried one. */
export function serverCall(inv: Invocation, protocol: string, handle: () => Promise<unknown>): Promise<unknown> {
  const name = rpcMethod(inv);
  const system = rpcSystem(protocol);
  const parent = extract(inv.attachments);
  const attributes: Record<string, string | number> = { [ATTR_RPC_SYSTEM_NAME]: system, [ATTR_RPC_METHOD]: name };
  const peer = inv.peer?.match(/^(.*):(\d+)$/);
  if (peer) {
    attributes[ATTR_NETWORK_PEER_ADDRESS] = peer[1]!;
    attributes[ATTR_NETWORK_PEER_PORT] = Number(peer[2]);
  }
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  callStarted('server', 1);
  const start = performance.now();
  return context.with(trace.setSpan(parent, span), handle).then(
    (value) => {
      const status = statusOf('server', undefined, inv.deadline);
      finish(span, status, undefined);
      callStarted('server', -1);
      recordCall('server', system, name, performance.now() - start, status);
      return value;
    },
    (err: unknown) => {
      const status = statusOf('server', err, inv.deadline);
      finish(span, status, err);
      callStarted('server', -1);
      recordCall('server', system, name, performance.now() - start, status);
      throw err;
    },
  );
}

/**
 * The SERVER span of a request refused before any method ran (no such service or method): the
 * caller's span says SERVICE_NOT_FOUND or METHOD_NOT_FOUND, and so does this one. The request's
 * trace context is not decoded by then, so the span starts a trace of its own.
 */
export function serverRejected(protocol: string, service: ServiceKey, method: string, err: unknown): void {
  const name = `${service.interface}/${method}`;
  const system = rpcSystem(protocol);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { [ATTR_RPC_SYSTEM_NAME]: system, [ATTR_RPC_METHOD]: name } });
  const status = statusOf('server', err);
  finish(span, status, err);
  recordCall('server', system, name, 0, status);
}

function finish(span: Span, status: string, err: unknown): void {
  if (span.isRecording()) {
    span.setAttribute(ATTR_RPC_STATUS_CODE, status);
    if (err !== undefined) {
      const remoteClass = err instanceof RpcError ? err.remoteClass : (err as { javaClass?: unknown } | null)?.javaClass;
      span.setAttribute(ATTR_ERROR_TYPE, typeof remoteClass === 'string' && remoteClass ? remoteClass : status);
      span.recordException(err instanceof Error ? err : String(err));
    }
    if (status !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : status });
  }
  span.end();
}
