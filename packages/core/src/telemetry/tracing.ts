import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { RpcError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
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
      finish(span, undefined);
      callStarted('client', -1);
      recordCall('client', system, name, performance.now() - start, undefined);
      return value;
    },
    (err: unknown) => {
      finish(span, err);
      callStarted('client', -1);
      recordCall('client', system, name, performance.now() - start, err);
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
      finish(span, undefined);
      callStarted('server', -1);
      recordCall('server', system, name, performance.now() - start, undefined);
      return value;
    },
    (err: unknown) => {
      finish(span, err);
      callStarted('server', -1);
      recordCall('server', system, name, performance.now() - start, err);
      throw err;
    },
  );
}

function finish(span: Span, err: unknown): void {
  if (span.isRecording()) {
    if (err === undefined) {
      span.setAttribute(ATTR_RPC_STATUS_CODE, 'OK');
    } else {
      const code = err instanceof RpcError ? err.code : 'INTERNAL';
      span.setAttribute(ATTR_RPC_STATUS_CODE, code);
      span.setAttribute(ATTR_ERROR_TYPE, err instanceof RpcError && err.remoteClass ? err.remoteClass : code);
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    }
  }
  span.end();
}
