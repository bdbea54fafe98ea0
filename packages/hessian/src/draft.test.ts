// The Hessian 3.1.3 draft dialect (SOFARPC / sofa-hessian 3.x): golden contents from
// shared/reference/bolt-sofa.md §2.7, byte-exact, plus round trips and fuzzing through the same suites.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, t } from '@meshlet/core';
import { DraftHessianReader, DraftHessianWriter, hessian2Draft, javaClassOf } from './index.js';
import { typedArb, untypedValue } from './arbitraries.test.util.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

const SofaRequest = t.object('com.alipay.sofa.rpc.core.request.SofaRequest', {
  targetAppName: t.string, methodName: t.string, targetServiceUniqueName: t.string,
  requestProps: t.map(t.string, t.any), methodArgSigs: t.array(t.string),
});
const SofaResponse = t.object('com.alipay.sofa.rpc.core.response.SofaResponse', {
  isError: t.bool, errorMsg: t.string, appResponse: t.any, responseProps: t.map(t.string, t.string),
});

// Content (body) of the Java-shaped request frame, after its 22+44+192 header bytes.
const JAVA_REQUEST = '4fbc636f6d2e616c697061792e736f66612e7270632e636f72652e726571756573742e536f666152657175657374950d7461726765744170704e616d650a6d6574686f644e616d651774617267657453657276696365556e697175654e616d650c7265717565737450726f70730d6d6574686f64417267536967736f904e046563686f1b636f6d2e6578616d706c652e4563686f536572766963653a312e304d036170700b64656d6f2d636c69656e740870726f746f636f6c04626f6c7404747970650473796e637a567400075b737472696e676e01106a6176612e6c616e672e537472696e677a0568656c6c6f';
// Content of the sofa-bolt-node request (field order differs; String[] typed `[java.lang.String`).
const NODE_REQUEST = '4fbc636f6d2e616c697061792e736f66612e7270632e636f72652e726571756573742e536f666152657175657374950a6d6574686f644e616d650d6d6574686f64417267536967731774617267657453657276696365556e697175654e616d650d7461726765744170704e616d650c7265717565737450726f70736f90046563686f567400115b6a6176612e6c616e672e537472696e676e01106a6176612e6c616e672e537472696e677a1b636f6d2e6578616d706c652e4563686f536572766963653a312e304e4d07736572766963651b636f6d2e6578616d706c652e4563686f536572766963653a312e307a0568656c6c6f';
const RESPONSE = '4fbe636f6d2e616c697061792e736f66612e7270632e636f72652e726573706f6e73652e536f6661526573706f6e7365940769734572726f72086572726f724d73670b617070526573706f6e73650d726573706f6e736550726f70736f90464e0568656c6c6f4e';
const ERROR_RESPONSE = '4fbe636f6d2e616c697061792e736f66612e7270632e636f72652e726573706f6e73652e536f6661526573706f6e7365940769734572726f72086572726f724d73670b617070526573706f6e73650d726573706f6e736550726f70736f905404626f6f6d4e4d18736f66615f686561645f726573706f6e73655f6572726f7204747275657a';

const request = {
  targetAppName: null, methodName: 'echo', targetServiceUniqueName: 'com.example.EchoService:1.0',
  requestProps: new Map([['app', 'demo-client'], ['protocol', 'bolt'], ['type', 'sync']]), methodArgSigs: ['java.lang.String'],
};

test('draft: the Java-shaped SofaRequest content encodes byte-exact and decodes back', () => {
  const w = hessian2Draft.createWriter();
  w.reset();
  w.writeTyped(request, SofaRequest);
  w.writeString('hello');
  assert.equal(hex(w.finish()), JAVA_REQUEST);

  const r = hessian2Draft.createReader(bytes(JAVA_REQUEST));
  assert.deepStrictEqual(r.readTyped(SofaRequest), request);
  assert.equal(r.readString(), 'hello');
  assert.ok(r.atEnd);
});

test('draft: the sofa-bolt-node request decodes (typed and untyped)', () => {
  const r = new DraftHessianReader(bytes(NODE_REQUEST));
  assert.deepStrictEqual(r.readTyped(SofaRequest), {
    methodName: 'echo', methodArgSigs: ['java.lang.String'], targetServiceUniqueName: 'com.example.EchoService:1.0',
    targetAppName: null, requestProps: new Map([['service', 'com.example.EchoService:1.0']]),
  });
  assert.equal(r.readString(), 'hello');
  const u = new DraftHessianReader(bytes(NODE_REQUEST)).readValue() as Record<string, unknown>;
  assert.equal(javaClassOf(u), 'com.alipay.sofa.rpc.core.request.SofaRequest');
  assert.equal(javaClassOf(u.methodArgSigs), '[java.lang.String');
});

test('draft: SofaResponse contents (value and framework error) encode byte-exact', () => {
  const w = new DraftHessianWriter();
  w.reset();
  w.writeTyped({ isError: false, errorMsg: null, appResponse: 'hello', responseProps: null }, SofaResponse);
  assert.equal(hex(w.finish()), RESPONSE);
  w.reset();
  w.writeTyped({ isError: true, errorMsg: 'boom', appResponse: null, responseProps: { sofa_head_response_error: 'true' } }, SofaResponse);
  assert.equal(hex(w.finish()), ERROR_RESPONSE);
  assert.deepStrictEqual(new DraftHessianReader(bytes(ERROR_RESPONSE)).readTyped(SofaResponse),
    { isError: true, errorMsg: 'boom', appResponse: null, responseProps: new Map([['sofa_head_response_error', 'true']]) });
});

test('draft: scalar forms (d dates, float doubles, 0x77 longs, s/b chunks, refs)', () => {
  const w = new DraftHessianWriter();
  const enc = (f: (x: DraftHessianWriter) => void): string => {
    w.reset();
    f(w);
    return hex(w.finish());
  };
  assert.equal(enc((x) => x.writeDate(new Date(1700000000000))), '640000018bcfe56800');
  assert.equal(enc((x) => x.writeDouble(1.5)), '6b3fc00000');
  assert.equal(enc((x) => x.writeDouble(0)), '67');
  assert.equal(enc((x) => x.writeDouble(0.1)), '443fb999999999999a');
  assert.equal(enc((x) => x.writeLong(2n ** 31n - 1n)), '777fffffff');
  assert.equal(enc((x) => x.writeLong(1)), 'e1');
  assert.equal(enc((x) => x.writeString('x'.repeat(40))).slice(0, 6), '530028');
  assert.equal(enc((x) => x.writeString('a'.repeat(0x8001))).slice(0, 6), '738000');
  assert.equal(enc((x) => x.writeBytes(Buffer.alloc(0x8001))).slice(0, 6), '628000');
  assert.equal(enc((x) => x.writeBytes(Buffer.alloc(16))).slice(0, 6), '420010');
  assert.equal(enc((x) => { const l: unknown[] = []; l.push(l); x.writeValue(l); }), '566e014a007a');
  assert.equal(enc((x) => x.writeValue(new Map([['a', 1]]))), '4d0161917a');
  for (const v of [1.5, 0.1, -0, NaN, 1e300, 2 ** 31, -(2n ** 63n), 2n ** 31n - 1n, new Date(1700000040000), 'a'.repeat(0x8001) + '😀', Buffer.alloc(70000, 3)]) {
    w.reset();
    w.writeValue(v);
    assert.deepStrictEqual(new DraftHessianReader(w.finishCopy()).readValue(), v);
  }
});

test('draft: property round trips, typed and untyped', () => {
  const w = new DraftHessianWriter({ initialCapacity: 64 });
  fc.assert(fc.property(untypedValue, (v) => {
    w.reset();
    w.writeValue(v);
    const r = new DraftHessianReader(w.finishCopy());
    assert.deepStrictEqual(r.readValue(), v);
    assert.ok(r.atEnd);
  }), { numRuns: 200 });
  fc.assert(fc.property(typedArb(3).chain((d) => fc.tuple(fc.constant(d.desc), fc.array(d.value, { minLength: 1, maxLength: 3 }))), ([desc, values]) => {
    w.reset();
    for (const v of values) w.writeTyped(v, desc);
    const r = new DraftHessianReader(w.finishCopy());
    assert.deepStrictEqual(values.map(() => r.readTyped(desc)), values);
    assert.ok(r.atEnd);
  }), { numRuns: 300 });
});

test('draft: random and mutated input decodes to a value or a Serialization error', () => {
  const w = new DraftHessianWriter();
  const attempt = (b: Uint8Array): void => {
    const r = new DraftHessianReader(b, 0, b.length, { maxDepth: 64 });
    try {
      while (!r.atEnd) r.readValue();
    } catch (err) {
      if (!(err instanceof RpcError) || err.code !== Code.Serialization) assert.fail(`${hex(b)}: ${String(err)}`);
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 160 }), (b) => attempt(b)), { numRuns: 3000 });
  fc.assert(fc.property(untypedValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (v, at, byte, cut) => {
    w.reset();
    w.writeValue(v);
    const b = w.finishCopy();
    if (b.length === 0) return;
    if (cut) attempt(b.subarray(0, at % b.length));
    else {
      b[at % b.length] = byte;
      attempt(b);
    }
  }), { numRuns: 3000 });
  assert.throws(() => new DraftHessianReader(Buffer.alloc(100000, 0x56)).readValue(), { code: Code.Serialization });
  assert.throws(() => new DraftHessianReader(bytes('566c7fffffff')).readValue(), /exceeds/);
});
