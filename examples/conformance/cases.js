// The fixed cases of the conformance consumer: edge values included.
import { RpcError } from '@meshlet/core';

const MiB = 1024 * 1024;
const big = 'x'.repeat(MiB - 3) + '😀z';

const user = {
  id: 9007199254740993n,
  name: 'Zoë 😀',
  tags: ['a', 'b', ''],
  attrs: new Map([['k', 'v'], ['empty', '']]),
  active: true,
  score: -12.5,
};

/** Each case: the method, its arguments, and the expected result or error code. */
export const cases = [
  { name: 'echo/ascii', method: 'echo', args: ['hello'], expect: 'hello' },
  { name: 'echo/empty', method: 'echo', args: [''], expect: '' },
  { name: 'echo/unicode', method: 'echo', args: ['héllo, 世界 😀𝄞'], expect: 'héllo, 世界 😀𝄞' },
  { name: 'echo/1MiB', method: 'echo', args: [big], expect: big },
  { name: 'addInt/basic', method: 'addInt', args: [2, 3], expect: 5 },
  { name: 'addInt/wrap', method: 'addInt', args: [2147483647, 1], expect: -2147483648 },
  { name: 'addInt/min', method: 'addInt', args: [-2147483648, 0], expect: -2147483648 },
  { name: 'addLong/2^53+1', method: 'addLong', args: [9007199254740993n, 0n], expect: 9007199254740993n },
  { name: 'addLong/wrap', method: 'addLong', args: [9223372036854775807n, 1n], expect: -9223372036854775808n },
  { name: 'addLong/small', method: 'addLong', args: [-1n, 2n], expect: 1n },
  { name: 'mulDouble/basic', method: 'mulDouble', args: [1.5, -2], expect: -3 },
  { name: 'mulDouble/nan', method: 'mulDouble', args: [NaN, 1], expect: NaN },
  { name: 'mulDouble/inf', method: 'mulDouble', args: [Infinity, -1], expect: -Infinity },
  { name: 'mulDouble/tiny', method: 'mulDouble', args: [5e-324, 1], expect: 5e-324 },
  { name: 'negate/true', method: 'negate', args: [true], expect: false },
  { name: 'negate/false', method: 'negate', args: [false], expect: true },
  { name: 'reverseBytes/basic', method: 'reverseBytes', args: [Buffer.from([1, 2, 3, 255])], expect: Buffer.from([255, 3, 2, 1]) },
  { name: 'reverseBytes/empty', method: 'reverseBytes', args: [Buffer.alloc(0)], expect: Buffer.alloc(0) },
  { name: 'reverseList/basic', method: 'reverseList', args: [['a', 'b', 'c']], expect: ['c', 'b', 'a'] },
  { name: 'reverseList/empty', method: 'reverseList', args: [[]], expect: [] },
  { name: 'swapMap/basic', method: 'swapMap', args: [new Map([['a', '1'], ['b', '2']])], expect: new Map([['1', 'a'], ['2', 'b']]) },
  { name: 'swapMap/empty', method: 'swapMap', args: [new Map()], expect: new Map() },
  { name: 'echoUser/full', method: 'echoUser', args: [user], expect: user },
  { name: 'echoUser/empty-collections', method: 'echoUser', args: [{ ...user, tags: [], attrs: new Map() }], expect: { ...user, tags: [], attrs: new Map() } },
  { name: 'nullable/null', method: 'nullable', args: [null], expect: null },
  { name: 'nullable/value', method: 'nullable', args: ['x'], expect: 'x' },
  { name: 'fail/business', method: 'fail', args: ['boom 😀'], expectError: { code: 'BUSINESS', message: 'boom 😀' } },
  { name: 'sleep/ok', method: 'sleep', args: [10], expect: 'slept' },
  { name: 'sleep/timeout', method: 'sleep', args: [2000], timeout: 200, expectError: { code: 'TIMEOUT' } },
];

/** Deep equality over what the service returns: bigint, NaN, -0, Buffer, Map, arrays, plain objects. */
export function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  }
  if (a instanceof Map || b instanceof Map) {
    const ma = a instanceof Map ? a : new Map(Object.entries(a));
    const mb = b instanceof Map ? b : new Map(Object.entries(b));
    if (ma.size !== mb.size) return false;
    for (const [k, v] of ma) if (!mb.has(k) || !same(v, mb.get(k))) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same(a[k], b[k]));
}

export function describe(v) {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (x instanceof Map) return { $map: [...x] };
    if (x && x.type === 'Buffer' && Array.isArray(x.data)) return { $bytes: Buffer.from(x.data).toString('hex') };
    if (typeof x === 'string' && x.length > 64) return `${x.slice(0, 32)}…(${x.length} chars)`;
    return x;
  });
}

/** Runs one case against a client; returns the JSON line's object. */
export async function runCase(client, c, callWithTimeout) {
  try {
    const got = await callWithTimeout(c);
    if (c.expectError) return { case: c.name, ok: false, expected: `error ${c.expectError.code}`, got: describe(got) };
    return same(got, c.expect) ? { case: c.name, ok: true } : { case: c.name, ok: false, expected: describe(c.expect), got: describe(got) };
  } catch (err) {
    const code = err instanceof RpcError ? err.code : err?.code;
    const e = c.expectError;
    if (e && code === e.code && (e.message === undefined || err.message === e.message) && (e.remoteClass === undefined || err.remoteClass === e.remoteClass)) {
      return { case: c.name, ok: true };
    }
    return { case: c.name, ok: false, expected: e ? `error ${e.code} ${e.remoteClass ?? ''}` : describe(c.expect), error: `${code}: ${err?.remoteClass ?? ''} ${err?.message}` };
  }
}
