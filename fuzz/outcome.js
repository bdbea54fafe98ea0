// What counts as "something new" without coverage instrumentation: the shape of a decoder's
// outcome. A typed error contributes its code and the source lines that raised it (a coarse
// stand-in for an edge); a value contributes its type structure.
import { RpcError } from '@meshlet/core';

const OUR_FRAME = /\/packages\/([^/]+)\/dist\/([^:)]+):(\d+)/;

/** The first two of our source lines on the error's stack: the check that fired and its caller. */
function where(err) {
  const stack = typeof err?.stack === 'string' ? err.stack.split('\n') : [];
  const sites = [];
  for (const line of stack) {
    const m = OUR_FRAME.exec(line);
    if (m) sites.push(`${m[1]}/${m[2]}:${m[3]}`);
    if (sites.length === 2) break;
  }
  return sites.join('<') || '?';
}

function shape(v, depth) {
  if (v === null) return 'null';
  // Messages are left out: many carry the peer's own text (a remote exception), which is input.
  if (v instanceof RpcError) return `E(${v.code}|${where(v)})`;
  const type = typeof v;
  if (type !== 'object') return type === 'string' ? `s${Math.min(v.length, 3)}` : type;
  if (depth <= 0) return 'o';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `b${Math.min(v.length, 2)}`;
  // Arrays as their length's order of magnitude and the set of their items' shapes: not every
  // ordering of the same items is new.
  if (Array.isArray(v)) return `[${Math.ceil(Math.log2(v.length + 1))}:${[...new Set(v.slice(0, 16).map((x) => shape(x, depth - 1)))].sort().join(',')}]`;
  if (v instanceof Map) return `M${v.size > 0 ? shape(v.values().next().value, depth - 1) : ''}`;
  // Keys are often input (URL parameters, header maps, Java field names): an object is the number
  // of its keys and the set of its values' shapes.
  const values = Object.values(v);
  if (depth < 2) return `{#${Math.min(values.length, 3)}}`;
  return `{#${Math.min(values.length, 4)}:${[...new Set(values.slice(0, 16).map((x) => shape(x, depth - 1)))].sort().join(',')}}`;
}

/**
 * The features of one outcome, the way coverage features work: an input is kept when it shows at
 * least one feature no earlier input showed. Each result of a target (one per decoder call) is one
 * feature, so a new error site or a new value shape anywhere counts, but not a new combination.
 */
export function features(outcome) {
  const items = Array.isArray(outcome) ? outcome : [outcome];
  return items.slice(0, 64).map((item) => shape(item, 2).slice(0, 300));
}

/** True for the outcomes a decoder may have: anything but a thrown non-RpcError. */
export function isAllowedError(err) {
  return err instanceof RpcError;
}
