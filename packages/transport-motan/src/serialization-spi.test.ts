import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, defineService, serializationById, serializationByName, t } from '@meshlet/core';
import { Serializations } from './serializations.js';
import { breezeSerialization, registerMotanSerializations, simpleSerialization } from './serialization-spi.js';
import { ByteWriter } from './wire/writer.js';

const Svc = defineService({ interface: 'demo.Spi', methods: { m: { params: [t.int32, t.string, t.map(t.string, t.int64)], returns: t.string } } });
const method = Svc.methods.get('m')!;
const args = [7, 'seven', new Map([['a', 1n]])];

test('simple and breeze are found by name (M_s) and by Motan2 header id once registered', () => {
  registerMotanSerializations();
  registerMotanSerializations(); // setup may run twice
  assert.equal(serializationByName('simple'), simpleSerialization);
  assert.equal(serializationByName('breeze'), breezeSerialization);
  assert.equal(serializationById('motan2', 6), simpleSerialization);
  assert.equal(serializationById('motan2', 8), breezeSerialization);
  assert.equal(serializationById('dubbo', 6), undefined, 'Motan ids are Motan2 only');
});

test('a body encodes to the bytes of the transport\'s own per-method codec, and decodes back', () => {
  const own = new Serializations();
  for (const [spi, serializer] of [[simpleSerialization, own.simple], [breezeSerialization, own.breeze]] as const) {
    const w = new ByteWriter();
    serializer.method(method).writeArgs(w, args);
    const bytes = spi.encode(args, method.params);
    assert.deepEqual(Buffer.from(bytes), w.finish(), spi.name);
    assert.deepEqual(spi.decode(bytes, method.params), args, spi.name);
  }
});

test('wrong counts, trailing and missing bytes are typed RpcErrors', () => {
  for (const spi of [simpleSerialization, breezeSerialization]) {
    assert.throws(() => spi.encode([1], method.params), (e: unknown) => RpcError.is(e, Code.Serialization));
    const bytes = spi.encode(args, method.params);
    assert.throws(() => spi.decode(bytes, method.params.slice(0, 2)), (e: unknown) => RpcError.is(e, Code.Protocol) && /after 2 value/.test(e.message));
    assert.throws(() => spi.decode(bytes, [...method.params, t.int32]), (e: unknown) => RpcError.is(e, Code.Protocol) && /body ends first/.test(e.message));
  }
});
