import { context, propagation, trace, TraceFlags, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

/**
 * Trace context rides in the invocation's attachments, which every transport maps to its own
 * carrier (Dubbo attachments, Bolt header map and requestProps, Motan meta, RSocket metadata).
 * Next to W3C `traceparent`, SOFA tracer's `rpc_trace_context.*` keys are written so Java SOFARPC
 * and MOSN see the same trace, and a call that arrives with SOFA keys only continues its trace.
 */
const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => { carrier[key] = value; },
};
const getter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const SOFA_TRACE_ID = 'rpc_trace_context.sofaTraceId';
const SOFA_RPC_ID = 'rpc_trace_context.sofaRpcId';
const SOFA_SAMPLED = 'rpc_trace_context.samp';
const SOFA_NEW_CONTEXT = 'new_rpc_trace_context';

export function inject(ctx: Context, attachments: Record<string, string>): void {
  propagation.inject(ctx, attachments, setter);
  const span = trace.getSpanContext(ctx);
  if (span !== undefined && trace.isSpanContextValid(span)) {
    attachments[SOFA_TRACE_ID] = span.traceId;
    attachments[SOFA_RPC_ID] = attachments[SOFA_RPC_ID] ?? '0';
    attachments[SOFA_SAMPLED] = String((span.traceFlags & TraceFlags.SAMPLED) !== 0);
  }
}

/** The remote parent in `attachments`: W3C first, then SOFA's `new_rpc_trace_context`, then `rpc_trace_context.*`. */
export function extract(attachments: Record<string, string>): Context {
  const base = context.active();
  if (attachments.traceparent !== undefined) return propagation.extract(base, attachments, getter);
  const sofa = sofaParent(attachments);
  return sofa === undefined ? base : trace.setSpanContext(base, sofa);
}

function sofaParent(a: Record<string, string>) {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled = true;
  const packed = a[SOFA_NEW_CONTEXT];
  if (packed) {
    // tcid=<traceId>&spid=<spanId>&pspid=<parent>&sample=<bool>&…
    const fields = new URLSearchParams(packed);
    traceId = fields.get('tcid') ?? undefined;
    spanId = fields.get('spid') ?? undefined;
    sampled = fields.get('sample') !== 'false';
  } else if (a[SOFA_TRACE_ID]) {
    traceId = a[SOFA_TRACE_ID];
    spanId = a[SOFA_RPC_ID];
    sampled = a[SOFA_SAMPLED] !== 'false';
  }
  if (!traceId) return undefined;
  return {
    traceId: toOtelId(traceId, 32),
    spanId: toOtelId(spanId ?? '0', 16),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
}

/**
 * SOFA trace ids are hex strings of up to 32 digits (IP, time, sequence), span ids hierarchical
 * (`0.1.2`). Hex ids are left-padded to OTel's width; anything else is hashed, deterministically,
 * so every hop of one SOFA trace lands in the same OTel trace.
 */
function toOtelId(id: string, length: number): string {
  const lower = id.toLowerCase();
  if (/^[0-9a-f]+$/.test(lower) && lower.length <= length && !/^0+$/.test(lower)) return lower.padStart(length, '0');
  let out = '';
  for (let round = 0; out.length < length; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  out = out.slice(0, length);
  return /^0+$/.test(out) ? out.slice(1) + '1' : out;
}
