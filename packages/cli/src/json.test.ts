// Exact JSON both ways, and reading a target: the pieces `meshlet invoke` trusts for longs and URLs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './command.js';
import { splitTypes } from './invoke-command.js';
import { parseJsonExact, stringifyExact } from './json.js';
import { parseTarget } from './target.js';

test('parseJsonExact: integers beyond 2^53 become exact bigints, nothing else changes', () => {
  assert.deepEqual(parseJsonExact('[9007199254740993, -9223372036854775808, 1, 1.5, 1e300, -0.5]', 'x'),
    [9007199254740993n, -9223372036854775808n, 1, 1.5, 1e300, -0.5]);
  // Digits inside strings (escaped quotes included) stay strings.
  assert.deepEqual(parseJsonExact('{"a":"9007199254740993","b":"q\\"12345678901234567890","c":[{"d":18446744073709551615}]}', 'x'),
    { a: '9007199254740993', b: 'q"12345678901234567890', c: [{ d: 18446744073709551615n }] });
  assert.equal(parseJsonExact('9007199254740991', 'x'), 9007199254740991);
  assert.equal(parseJsonExact('9007199254740992', 'x'), 9007199254740992n);
  // A string that looks like an internal marker stays a string.
  assert.deepEqual(parseJsonExact('["\\u0000bigint:0", 12345678901234567890]', 'x'), ['\u0000bigint:0', 12345678901234567890n]);
  for (const bad of ['[1,', '{a:1}', '', '[1] x', '"abc', '[01]', '[012345678901234567890]']) {
    assert.throws(() => parseJsonExact(bad, 'the arguments'), (e: unknown) => e instanceof UsageError && /the arguments is not JSON/.test(e.message), bad);
  }
});

test('stringifyExact: bigints with every digit, bytes as base64, dates ISO, Maps and Sets', () => {
  const value = { id: 9007199254740993n, b: Buffer.from([1, 2, 3]), d: new Date(0), m: new Map([[1, 'x']]), s: new Set(['a']), n: null, u: undefined, nan: Number.NaN };
  assert.equal(stringifyExact(value), '{"id":9007199254740993,"b":"AQID","d":"1970-01-01T00:00:00.000Z","m":{"1":"x"},"s":["a"],"n":null,"u":null,"nan":"NaN"}');
  assert.equal(stringifyExact([1n, []], 1), '[\n  1,\n  []\n]');
  assert.deepEqual(parseJsonExact(stringifyExact({ x: -9223372036854775808n }), 'x'), { x: -9223372036854775808n });
});

test('targets: provider URLs of each scheme, interface names with a registry, and usage errors', () => {
  assert.deepEqual(parseTarget('dubbo://127.0.0.1:20880/com.acme.Echo?version=1.0&group=g', {}, {}),
    { interface: 'com.acme.Echo', protocol: 'dubbo', version: '1.0', group: 'g', address: '127.0.0.1:20880' });
  assert.equal(parseTarget('bolt://h:12200/com.acme.Echo?uniqueId=u', {}, {}).group, 'u');
  assert.equal(parseTarget('motan://h:8002/com.acme.Echo', {}, {}).protocol, 'motan2');
  assert.equal(parseTarget('dubbo://h:1/com.acme.Echo?version=1.0', { version: '2.0' }, {}).version, '2.0');
  assert.deepEqual(parseTarget('com.acme.Echo', { protocol: 'bolt' }, { MESHLET_REGISTRY: 'local://' }),
    { interface: 'com.acme.Echo', protocol: 'bolt', version: undefined, group: undefined, registry: 'local://' });
  for (const [spec, flags] of [
    ['com.acme.Echo', {}], ['ftp://h:1/x', {}], ['dubbo://h:1/', {}], ['dubbo://h/x', {}], [undefined, {}],
    ['dubbo://h:1/x', { protocol: 'grpc' }], ['dubbo://h:1/x', { version: true }],
    // A fuzz finding: a malformed percent-escape threw URIError, which the CLI printed as a stack trace.
    ['dubbo://h:1/com.acme%zzEcho', {}], ['rsocket://h:1/%E0%A4%A', {}],
  ] as const) {
    assert.throws(() => parseTarget(spec, flags as Record<string, string | true>, {}), UsageError, String(spec));
  }
});

test('--types splits on commas outside generics', () => {
  assert.deepEqual(splitTypes('long, java.util.Map<java.lang.String,java.lang.Long>,int[]'), ['long', 'java.util.Map<java.lang.String,java.lang.Long>', 'int[]']);
  assert.deepEqual(splitTypes(''), []);
  assert.throws(() => splitTypes('long,,int'), UsageError);
});
