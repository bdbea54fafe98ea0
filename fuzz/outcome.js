// What counts as "something new" without coverage instrumentation: the shape of a decoder's
// outcome. A typed error contributes its code and the source lines that raised it (a coarse
// stand-in for an edge); a value contributes its types and size classes, node by node.
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

/** One node of an outcome, without its children: its type, a size class, an error's code and site. */
function node(v) {
  if (v === null) return 'null';
  // Messages are left out: many carry the peer's own text (a remote exception), which is input.
  if (v instanceof RpcError) return `E(${v.code}|${where(v)})`;
  const type = typeof v;
  if (type === 'string') return `s${Math.ceil(Math.log2(v.length + 1))}`;
  if (type !== 'object') return type;
  const size = (n) => Math.ceil(Math.log2(n + 1));
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `b${size(v.length)}`;
  if (Array.isArray(v)) return `a${size(v.length)}`;
  if (v instanceof Map) return `m${size(v.size)}`;
  if (v instanceof Error) return `error:${v.constructor.name}`;
  // Keys are often input (URL parameters, header maps, Java field names): only their number counts.
  return `o${size(Object.keys(v).length)}`;
}

function children(v) {
  if (v === null || typeof v !== 'object' || v instanceof Error || v instanceof Uint8Array) return [];
  if (Array.isArray(v)) return v.slice(0, 32);
  if (v instanceof Map) return [...v.values()].slice(0, 32);
  return Object.values(v).slice(0, 32);
}

/**
 * The features of one outcome, in the way edge coverage works: an input is kept when it shows a
 * feature no earlier input showed. Features are the outcome's nodes (an error's code and the
 * source lines that raised it; a value's type and size class) and parent→child pairs of them, to
 * a small depth: a new error site or a new nesting counts, a new combination of known ones does not.
 */
export function features(outcome) {
  const out = new Set();
  const walk = (v, parent, depth) => {
    const here = node(v);
    out.add(here);
    out.add(`${parent}>${here}`);
    if (depth > 0) for (const c of children(v)) walk(c, here, depth - 1);
  };
  walk(outcome, 'top', 4);
  return [...out];
}

/** True for the outcomes a decoder may have: anything but a thrown non-RpcError. */
export function isAllowedError(err) {
  return err instanceof RpcError;
}
