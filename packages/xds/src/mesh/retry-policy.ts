import { Code, type MeshRetryPolicy } from '@meshlet/core';
import { codesOfHttpStatus } from './status-codes.js';
import { durationMs, num, obj, str, wrapped, type Obj } from './values.js';

/**
 * Envoy's retry_on conditions as Meshlet codes. An HTTP "5xx" is a provider's failure (SERVER_ERROR,
 * SERVER_BUSY) or no answer at all (refused, reset, closed, stopping); a BUSINESS error is an
 * answer (gRPC's non-OK status rides on HTTP 200, which 5xx never retries). gRPC's conditions
 * name the status the call ended with.
 */
const CONDITIONS: Readonly<Record<string, readonly Code[]>> = {
  '5xx': [Code.ServerError, Code.ServerBusy, Code.Unavailable, Code.ConnectionClosed, Code.Shutdown],
  'gateway-error': [Code.Unavailable, Code.ConnectionClosed, Code.Shutdown],
  reset: [Code.ConnectionClosed],
  'reset-before-request': [Code.ConnectionClosed],
  'connect-failure': [Code.Unavailable],
  'refused-stream': [Code.Unavailable, Code.Shutdown],
  cancelled: [Code.Cancelled],
  'deadline-exceeded': [Code.Timeout],
  internal: [Code.ServerError, Code.Internal],
  'resource-exhausted': [Code.ServerBusy],
  unavailable: [Code.Unavailable, Code.ConnectionClosed, Code.Shutdown],
};

/** Conditions under which Envoy retries an attempt that outlived per_try_timeout. */
const PER_TRY_TIMEOUT = new Set(['5xx', 'gateway-error', 'reset']);

export const RETRY_CONDITIONS = Object.keys(CONDITIONS);

/** Envoy's defaults: base 25 ms, max 10 × base. */
const BASE_MS = 25;

/** A RouteAction's retry_policy (or a virtual host's), compiled; undefined when absent or it retries nothing. */
export function retryPolicy(policy: Obj | undefined): MeshRetryPolicy | undefined {
  if (policy === undefined) return undefined;
  const on = new Set<Code>();
  let perTryTimeoutRetried = false;
  for (const raw of (str(policy.retryOn) ?? '').split(',')) {
    const condition = raw.trim();
    if (condition === 'retriable-status-codes') {
      for (const s of Array.isArray(policy.retriableStatusCodes) ? policy.retriableStatusCodes : []) {
        const status = num(s);
        if (status !== undefined) for (const c of codesOfHttpStatus(status)) on.add(c);
      }
      continue;
    }
    for (const c of CONDITIONS[condition] ?? []) on.add(c);
    if (PER_TRY_TIMEOUT.has(condition)) perTryTimeoutRetried = true;
  }
  const retries = wrapped(policy.numRetries) ?? 1;
  const perTryTimeoutMs = durationMs(policy.perTryTimeout);
  if ((on.size === 0 && !perTryTimeoutRetried && perTryTimeoutMs === undefined) || retries < 0) return undefined;
  const backoff = obj(policy.retryBackOff);
  const base = durationMs(backoff?.baseInterval) || BASE_MS;
  const max = durationMs(backoff?.maxInterval) || base * 10;
  return {
    retries: Math.floor(retries),
    on,
    perTryTimeoutRetried,
    perTryTimeoutMs: perTryTimeoutMs === 0 ? undefined : perTryTimeoutMs,
    backoffBaseMs: base,
    backoffMaxMs: Math.max(base, max),
  };
}
