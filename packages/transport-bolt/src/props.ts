import { NEW_TRACE_CONTEXT, TRACE_CONTEXT, TRACE_CONTEXT_PREFIX } from './constants.js';

/**
 * Request properties. A Java consumer puts them twice: in `SofaRequest.requestProps` (a map whose
 * `rpc_trace_context` / `rpc_req_baggage` entries are maps) and flattened into the Bolt header
 * (`rpc_trace_context.sofaTraceId`, ...). A Java provider merges both, header winning. sofa-rpc-node
 * reads only the body. Meshlet carries them as invocation attachments in the flat spelling, so a
 * tracing interceptor finds `new_rpc_trace_context` and `rpc_trace_context.*` in one place.
 */

/** Keys whose dotted entries a Java consumer nests as one map in the body. */
const NESTED_PREFIXES = [TRACE_CONTEXT, 'rpc_req_baggage'];

/** Deepest nesting of body maps flattened into attachments (Java nests one level). */
const MAX_DEPTH = 4;

/**
 * Attachments as the body's `requestProps`: flat keys, except `rpc_trace_context.x` and
 * `rpc_req_baggage.x`, which become nested maps as Java writes them. Returns entries in insertion
 * order; null when there are none.
 */
export function bodyPropsOf(attachments: Readonly<Record<string, string>>): [string, unknown][] | null {
  let out: [string, unknown][] | null = null;
  let nested: Map<string, Map<string, string>> | null = null;
  for (const k in attachments) {
    const v = attachments[k]!;
    const dot = k.indexOf('.');
    const prefix = dot > 0 ? k.slice(0, dot) : '';
    if (dot > 0 && NESTED_PREFIXES.includes(prefix)) {
      nested ??= new Map();
      let m = nested.get(prefix);
      if (m === undefined) {
        m = new Map();
        nested.set(prefix, m);
        (out ??= []).push([prefix, m]);
      }
      m.set(k.slice(dot + 1), v);
    } else {
      (out ??= []).push([k, v]);
    }
  }
  return out;
}

/**
 * The prototype of received attachments: empty, frozen, and itself without a prototype, so
 * `__proto__`, `constructor` and `toString` are ordinary keys (nothing on the chain answers to
 * them), as they were on a null-prototype object. Unlike `Object.create(null)`, whose objects V8
 * keeps as hash tables from the start, objects made from this one get hidden classes: a request's
 * 6-9 keys in the same order every call cost ~0.3 µs less to build, and reads are fast.
 */
const NO_KEYS: object = Object.freeze(Object.create(null));

/**
 * The attachments of a received request: the body's requestProps flattened (`a.b` for nested
 * maps; numbers and booleans as text), then the header entries on top, as a Java provider merges
 * them (a non-empty header value wins). Nothing inherited: `__proto__` and `constructor` are
 * ordinary keys.
 */
export function attachmentsOf(header: readonly (readonly [string, string])[], props: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(NO_KEYS);
  if (props instanceof Map && props.size > 0) flatten(props, '', out, 0);
  for (let i = 0; i < header.length; i++) {
    const entry = header[i]!;
    const k = entry[0];
    const v = entry[1];
    if (v !== '' || !(k in out)) out[k] = v;
  }
  return out;
}

function flatten(map: Map<unknown, unknown>, prefix: string, out: Record<string, string>, depth: number): void {
  for (const [k, v] of map) {
    if (typeof k !== 'string') continue;
    const key = prefix + k;
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') out[key] = String(v);
    else if (v instanceof Map && depth < MAX_DEPTH) flatten(v, `${key}.`, out, depth + 1);
  }
}

/** SOFATracer's context as carried on a call, in either of its spellings. */
export interface SofaTraceContext {
  readonly traceId: string | undefined;
  /** Hierarchical span (RPC) id, `0`, `0.1`, `0.1.1`, ... */
  readonly spanId: string | undefined;
  readonly parentSpanId: string | undefined;
  readonly sampled: boolean | undefined;
  /** Business baggage (`<k>=<v>` entries, or `sofaPenAttrs`). */
  readonly baggage: Readonly<Record<string, string>>;
  /** System baggage (`_sys_<k>=<v>` entries, or `sysPenAttrs`). */
  readonly systemBaggage: Readonly<Record<string, string>>;
}

/**
 * Reads the SOFATracer context from attachments: `new_rpc_trace_context`
 * (`tcid=…&spid=…&pspid=…&sample=…&_sys_k=v&k=v&`, `%`/`&`/`=` escaped) when present, as SOFARPC's
 * provider prefers it, else `rpc_trace_context.sofaTraceId` / `.sofaRpcId` / `.samp` /
 * `.sofaPenAttrs` / `.sysPenAttrs`. Undefined when the call carries neither.
 */
export function readTraceContext(attachments: Readonly<Record<string, string>>): SofaTraceContext | undefined {
  const serialized = attachments[NEW_TRACE_CONTEXT];
  if (serialized) {
    const fields = parsePairs(serialized, '&', '=');
    const baggage: Record<string, string> = Object.create(null);
    const systemBaggage: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'tcid' || k === 'spid' || k === 'pspid' || k === 'sample') continue;
      if (k.startsWith('_sys_')) systemBaggage[k.slice(5)] = v;
      else baggage[k] = v;
    }
    return {
      traceId: fields.tcid, spanId: fields.spid, parentSpanId: fields.pspid,
      sampled: fields.sample === undefined ? undefined : fields.sample === 'true', baggage, systemBaggage,
    };
  }
  const traceId = attachments[`${TRACE_CONTEXT_PREFIX}sofaTraceId`];
  const spanId = attachments[`${TRACE_CONTEXT_PREFIX}sofaRpcId`];
  if (traceId === undefined && spanId === undefined) return undefined;
  const samp = attachments[`${TRACE_CONTEXT_PREFIX}samp`];
  const pen = attachments[`${TRACE_CONTEXT_PREFIX}sofaPenAttrs`];
  const sys = attachments[`${TRACE_CONTEXT_PREFIX}sysPenAttrs`];
  return {
    traceId, spanId, parentSpanId: parentOf(spanId),
    sampled: samp === undefined ? undefined : samp === 'true',
    baggage: pen ? parsePairs(pen, '&', '=') : Object.create(null),
    systemBaggage: sys ? parsePairs(sys, '&', '=') : Object.create(null),
  };
}

function parentOf(spanId: string | undefined): string | undefined {
  if (!spanId) return undefined;
  const i = spanId.lastIndexOf('.');
  return i < 0 ? undefined : spanId.slice(0, i);
}

/** `k=v&k=v&` with SOFATracer's `%XX` escapes of `%`, `&`, `=`. */
function parsePairs(text: string, sep: string, eq: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const part of text.split(sep)) {
    if (part === '') continue;
    const i = part.indexOf(eq);
    if (i <= 0) continue;
    out[unescape(part.slice(0, i))] = unescape(part.slice(i + 1));
  }
  return out;
}

function unescape(s: string): string {
  return s.includes('%') ? s.replace(/%(25|26|3D|3d)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}
