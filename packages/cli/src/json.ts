// JSON that keeps Java longs exact both ways: JSON.parse rounds 9007199254740993 to ...992, and
// JSON.stringify refuses bigints. The CLI reads arguments and prints results with these instead.
import { randomBytes } from 'node:crypto';
import { UsageError } from './command.js';

/**
 * Parses JSON; integers beyond Number.MAX_SAFE_INTEGER (either sign) become bigints (exact), every
 * other value is JSON.parse's. Throws UsageError (exit 2) on malformed JSON: it came from the
 * command line.
 */
export function parseJsonExact(text: string, what: string): unknown {
  // The reviver's context.source (Node >= 21) would do this directly; Node 20 lacks it, so big
  // integer literals outside strings are swapped for marker strings first, then revived. The
  // marker carries a random nonce, so no string a user writes can pass for one.
  const marker = `\u0000bigint:${randomBytes(8).toString('hex')}:`;
  const bigs: bigint[] = [];
  try {
    return JSON.parse(markBigIntegers(text, marker, bigs), (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(marker) ? bigs[Number(value.slice(marker.length))] : value);
  } catch (err) {
    throw new UsageError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

function markBigIntegers(text: string, marker: string, bigs: bigint[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      // Copy the string literal as it is, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = c === '-' || (c >= '0' && c <= '9') ? /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400)) : null;
    if (m) {
      const literal = m[0];
      const isInteger = m[1] === undefined && m[2] === undefined;
      // A leading zero (01) is not JSON: left as it is, for JSON.parse to refuse.
      if (isInteger && !Number.isSafeInteger(Number(literal)) && !/^-?0\d/.test(literal)) {
        out += JSON.stringify(marker + bigs.length);
        bigs.push(BigInt(literal));
      } else {
        out += literal;
      }
      i += literal.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * JSON text of a result: bigints as number literals with every digit, byte arrays as base64
 * strings, dates as ISO strings, Maps as objects, undefined as null.
 */
export function stringifyExact(value: unknown, indent = 0): string {
  const pad = indent > 0 ? '\n' + '  '.repeat(indent) : '';
  const close = indent > 0 ? '\n' + '  '.repeat(indent - 1) : '';
  const next = indent > 0 ? indent + 1 : 0;
  const sep = indent > 0 ? ': ' : ':';
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (Array.isArray(value) || value instanceof Set) {
    const items = [...value].map((v) => stringifyExact(v, next));
    return items.length === 0 ? '[]' : `[${pad}${items.join(`,${pad}`)}${close}]`;
  }
  const entries = value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
  const items = entries.map(([k, v]) => `${JSON.stringify(k)}${sep}${stringifyExact(v, next)}`);
  return items.length === 0 ? '{}' : `{${pad}${items.join(`,${pad}`)}${close}}`;
}
