import { Code, RpcError } from '@meshlet/core';
import { describeFlowRule, type ValidFlowRule } from './rule.js';

/** What Sentinel's `BlockException.toRuntimeException()` says for a flow rule's refusal. */
export const SENTINEL_FLOW_MESSAGE = 'SentinelBlockException: FlowException';
const SENTINEL_PREFIX = 'SentinelBlockException: ';
const MESSAGE_PREFIX = 'flow control: ';

/**
 * A call a flow rule refused. Code SERVER_BUSY: the call was never run, so failover may send it to
 * another provider, and each protocol answers in its own "overloaded" form (Dubbo status 100,
 * Triple RESOURCE_EXHAUSTED, Bolt SERVER_THREADPOOL_BUSY, Motan's busy exception).
 */
export class FlowRefusedError extends RpcError {
  constructor(readonly resource: string, readonly rule: ValidFlowRule, readonly origin: string) {
    super(Code.ServerBusy,
      `${MESSAGE_PREFIX}${resource} refused${origin === '' ? '' : ` for caller ${origin}`} by ${described(rule)} (${SENTINEL_FLOW_MESSAGE})`);
  }

  /**
   * A refusal without a stack trace: refusals are what an overloaded process does most, and the
   * trace would only show the interceptor (Sentinel's BlockExceptions drop theirs for the same
   * reason). Capturing it costs ~10 µs a call.
   */
  static of(resource: string, rule: ValidFlowRule, origin: string): FlowRefusedError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new FlowRefusedError(resource, rule, origin);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

const descriptions = new WeakMap<ValidFlowRule, string>();

function described(rule: ValidFlowRule): string {
  let text = descriptions.get(rule);
  if (text === undefined) descriptions.set(rule, (text = describeFlowRule(rule)));
  return text;
}

/**
 * The error a provider answers with when `refusal: 'sentinel'` is chosen: what Sentinel's Dubbo
 * adapters' `DefaultDubboFallback` returns, a result holding `java.lang.RuntimeException:
 * SentinelBlockException: FlowException` (a business exception to the caller, not a status).
 */
export function sentinelStyleRefusal(cause: FlowRefusedError): RpcError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RpcError(Code.Business, SENTINEL_FLOW_MESSAGE, { remoteClass: 'java.lang.RuntimeException', cause });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Whether `err` is a flow-control refusal: ours (raised here, or a Meshlet provider's SERVER_BUSY
 * read back from the wire), or a Sentinel-guarded provider's (a business exception whose message
 * starts `SentinelBlockException: `, as Java's adapters answer; this also matches Sentinel's
 * degrade and system refusals, which travel the same way).
 */
export function isFlowRefusal(err: unknown): err is RpcError {
  if (err instanceof FlowRefusedError) return true;
  if (!(err instanceof RpcError)) return false;
  if (err.code === Code.ServerBusy) return err.message.startsWith(MESSAGE_PREFIX);
  return err.code === Code.Business && err.message.startsWith(SENTINEL_PREFIX);
}
