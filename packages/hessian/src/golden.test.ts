// Byte-exact golden vectors from shared/reference/dubbo.md §2 (H: scalars, F: exception body, A: request strings).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { t } from '@meshlet/core';
import { HessianReader, HessianWriter, decode, encode, javaClassOf, throwableMessage } from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('§2H scalars encode byte-exact and decode back', () => {
  const cases: Array<[string, unknown, Parameters<typeof encode>[1] | undefined, unknown]> = [
    ['4c0000010000000000', 2n ** 40n, undefined, 2n ** 40n],
    ['4c0000010000000000', 2n ** 40n, t.int64, 2n ** 40n],
    ['e1', 1n, t.int64, 1n],
    ['e1', 1, t.int64, 1n],
    ['91', 1, undefined, 1],
    ['91', 1, t.int32, 1],
    ['5f000005dc', 1.5, undefined, 1.5],
    ['5f000005dc', 1.5, t.float64, 1.5],
    ['72075b737472696e6701780179', ['x', 'y'], t.array(t.string), ['x', 'y']],
    ['72045b696e749192', [1, 2], t.array(t.int32), [1, 2]],
    ['23010203', Buffer.from([1, 2, 3]), undefined, Buffer.from([1, 2, 3])],
    ['23010203', Buffer.from([1, 2, 3]), t.bytes, Buffer.from([1, 2, 3])],
    ['4a0000018bcfe56800', new Date(1700000000000), undefined, new Date(1700000000000)],
    ['4a0000018bcfe56800', new Date(1700000000000), t.date, new Date(1700000000000)],
    ['7a910374776f', [1, 'two'], undefined, [1, 'two']],
    ['7a910374776f', [1, 'two'], t.list(t.any), [1, 'two']],
    ['0461eda0bdedb88062', 'a😀b', undefined, 'a😀b'],
    ['0461eda0bdedb88062', 'a😀b', t.string, 'a😀b'],
  ];
  for (const [h, value, desc, back] of cases) {
    assert.equal(hex(encode(value, desc)), h, `encode ${String(value)} as ${desc?.javaType ?? 'untyped'}`);
    assert.deepEqual(desc === undefined ? decode(bytes(h)) : decode(bytes(h), desc), back, `decode ${h}`);
  }
  // `[string` decoded untyped keeps its Hessian type.
  assert.equal(javaClassOf(decode(bytes('72075b737472696e6701780179'))), '[string');
});

test('§2F exception response body: flag 3, Throwable, attachments', () => {
  const golden = '93431a6a6176612e6c616e672e52756e74696d65457863657074696f6e910d64657461696c4d6573736167656004626f6f6d4805647562626f05322e302e325a';
  const w = new HessianWriter();
  w.reset();
  w.writeInt(3);
  w.writeThrowable('java.lang.RuntimeException', 'boom');
  w.writeTyped(new Map([['dubbo', '2.0.2']]), t.map(t.string, t.string));
  assert.equal(hex(w.finish()), golden);

  const r = new HessianReader(bytes(golden));
  assert.equal(r.readInt(), 3);
  const err = r.readValue();
  assert.equal(javaClassOf(err), 'java.lang.RuntimeException');
  assert.deepEqual(throwableMessage(err), { className: 'java.lang.RuntimeException', message: 'boom' });
  assert.deepEqual(r.readTyped(t.map(t.string, t.string)), new Map([['dubbo', '2.0.2']]));
  assert.ok(r.atEnd);
});

test('§2A request body: strings (incl. the 0x30 two-byte short form) and the attachments map', () => {
  const body = bytes(`05322e302e32
    30216f72672e6170616368652e647562626f2e64656d6f2e44656d6f53657276696365
    05302e302e30 0873617948656c6c6f 124c6a6176612f6c616e672f537472696e673b 05776f726c64
    48047061746830216f72672e6170616368652e647562626f2e64656d6f2e44656d6f53657276696365
    1272656d6f74652e6170706c69636174696f6e0d64656d6f2d636f6e73756d6572
    09696e7465726661636530216f72672e6170616368652e647562626f2e64656d6f2e44656d6f53657276696365
    0776657273696f6e05302e302e30 0774696d656f75740433303030 5a`);
  assert.equal(body.length, 0xe4); // the body length in golden A's header
  const r = new HessianReader(body);
  const strings = ['2.0.2', 'org.apache.dubbo.demo.DemoService', '0.0.0', 'sayHello', 'Ljava/lang/String;', 'world'];
  for (const s of strings) assert.equal(r.readString(), s);
  const attachments = r.readValue();
  const expected = new Map([
    ['path', 'org.apache.dubbo.demo.DemoService'], ['remote.application', 'demo-consumer'],
    ['interface', 'org.apache.dubbo.demo.DemoService'], ['version', '0.0.0'], ['timeout', '3000'],
  ]);
  assert.deepEqual(attachments, expected);
  assert.ok(r.atEnd);

  // Encoding the same values (map in the same insertion order) gives the same bytes.
  const w = new HessianWriter();
  w.reset();
  for (const s of strings) w.writeString(s);
  w.writeValue(expected);
  assert.equal(hex(w.finish()), hex(body));
  assert.equal(hex(encode('org.apache.dubbo.demo.DemoService')).slice(0, 4), '3021');
});

test('Java (Caucho 4.0.38) encodings captured by the oracle decode as expected', () => {
  // Circular list: ArrayList ["self", itself] is `7a 04 self 51 90`.
  const circular = decode(bytes('7a0473656c665190')) as unknown[];
  assert.equal(circular[0], 'self');
  assert.equal(circular[1], circular);
  // Minute-precision date form 0x4b.
  assert.deepEqual(decode(bytes('4b01b05516')), new Date(1700000040000));
  // Enum: C "java.util.concurrent.TimeUnit" [name] + instance.
  const e = decode(bytes('431d6a6176612e7574696c2e636f6e63757272656e742e54696d65556e697491046e616d6560075345434f4e4453'));
  assert.deepEqual(e, { name: 'SECONDS' });
  assert.equal(javaClassOf(e), 'java.util.concurrent.TimeUnit');
  assert.equal(decode(bytes('431d6a6176612e7574696c2e636f6e63757272656e742e54696d65556e697491046e616d6560075345434f4e4453'),
    t.enum('java.util.concurrent.TimeUnit', ['SECONDS'])), 'SECONDS');
});
