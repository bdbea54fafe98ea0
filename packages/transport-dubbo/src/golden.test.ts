import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createInvocation, defineService, RpcError, t } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { golden, hex } from './golden.fixture.js';
import { HEADER_LENGTH } from './constants.js';
import { parseHeader } from './header.js';
import { RequestEncoder, readRequestHead } from './request.js';
import {
  decodeResponse, encodeErrorResponse, encodeExceptionResponse, encodeHeartbeatResponse, encodeReadonlyEvent, encodeValueResponse,
} from './response.js';
import { toStringAttachments } from './attachments.js';

const Demo = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  methods: { sayHello: { params: [t.string], returns: t.string } },
});
const sayHello = Demo.methods.get('sayHello')!;
const w = new HessianWriter();

test('A: a request is byte-identical to a Java consumer\'s', () => {
  const inv = createInvocation(Demo, sayHello, ['world']);
  const frame = new RequestEncoder(w, 'demo-consumer').encode(0, 1, inv, 3000);
  assert.equal(frame.toString('hex'), golden.A);
});

test('A: a Java request decodes: head, typed argument, string attachments', () => {
  const frame = hex(golden.A);
  const h = parseHeader(frame);
  assert.deepEqual([h.request, h.twoWay, h.event, h.serialization, h.id, h.bodyLength], [true, true, false, 2, 1n, frame.length - 16]);
  const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
  assert.deepEqual(readRequestHead(r), {
    dubboVersion: '2.0.2', path: 'org.apache.dubbo.demo.DemoService', version: '0.0.0', method: 'sayHello', descriptor: 'Ljava/lang/String;',
  });
  assert.equal(r.readTyped(t.string), 'world');
  assert.deepEqual({ ...toStringAttachments(r.readValue()) }, {
    path: 'org.apache.dubbo.demo.DemoService', 'remote.application': 'demo-consumer',
    interface: 'org.apache.dubbo.demo.DemoService', version: '0.0.0', timeout: '3000',
  });
  assert.ok(r.atEnd);
});

test('B/C: value and null responses with attachments are byte-exact, and decode', () => {
  assert.equal(encodeValueResponse(w, 0, 1, 'Hello world', sayHello, true).toString('hex'), golden.B);
  assert.equal(encodeValueResponse(w, 0, 2, null, sayHello, true).toString('hex'), golden.C);
  assert.equal(decodeResponse(hex(golden.B), sayHello), 'Hello world');
  assert.equal(decodeResponse(hex(golden.C), sayHello), null);
});

test('legacy consumers (version outside 2.0.2–2.0.99) get flags 1/2 without attachments', () => {
  assert.equal(decodeResponse(hex(golden.G_NZD_RESPONSE), sayHello), 'Hello nzd');
  const frame = encodeValueResponse(w, 0, 0, 'Hello nzd', sayHello, false);
  assert.equal(frame.toString('hex'), golden.G_NZD_RESPONSE);
});

test('D: an error status carries one string and maps to a typed error', () => {
  const message = 'Not found exported service: org.apache.dubbo.demo.DemoService:20880';
  assert.equal(encodeErrorResponse(w, 0, 3, 60, message).toString('hex'), golden.D);
  assert.throws(() => decodeResponse(hex(golden.D), sayHello), (err: unknown) =>
    err instanceof RpcError && err.code === Code.ServiceNotFound && err.status === 60 && err.message === message);
});

test('E: heartbeat request and response, readonly event', () => {
  assert.equal(encodeHeartbeatResponse(hex(golden.E_REQ)).toString('hex'), golden.E_RESP);
  assert.equal(encodeReadonlyEvent(w, 5).toString('hex'), golden.READONLY);
});

test('F: a business exception is a Throwable Java reads, and decodes to BUSINESS', () => {
  const body = encodeExceptionResponse(w, 0, 1, 'java.lang.RuntimeException', 'boom', true).subarray(HEADER_LENGTH);
  assert.equal(body.toString('hex'), golden.F_BODY);
  const frame = Buffer.concat([hex('dabb0214000000000000000100000000'), hex(golden.F_BODY)]);
  frame.writeInt32BE(frame.length - 16, 12);
  assert.throws(() => decodeResponse(frame, sayHello), (err: unknown) =>
    err instanceof RpcError && err.code === Code.Business && err.message === 'boom' && err.remoteClass === 'java.lang.RuntimeException');
});

test('F: an exception response is BUSINESS whatever its class is named (the flag says Throwable)', () => {
  const frame = encodeExceptionResponse(w, 0, 1, 'com.acme.AccountClosed', 'closed', true);
  assert.throws(() => decodeResponse(frame, sayHello), (err: unknown) =>
    err instanceof RpcError && err.code === Code.Business && err.message === 'closed' && err.remoteClass === 'com.acme.AccountClosed');
});

test('G: requests captured from apache-dubbo-consumer (int timeout) and dubbo2.js decode', () => {
  for (const [name, frameHex] of [['apache-dubbo-consumer', golden.G_APACHE_CONSUMER], ['dubbo2.js', golden.G_DUBBO2JS]] as const) {
    const frame = hex(frameHex);
    const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
    assert.equal(readRequestHead(r).method, 'sayHello', name);
    assert.equal(r.readTyped(t.string), 'world', name);
    const att = toStringAttachments(r.readValue());
    assert.equal(att.interface, 'org.apache.dubbo.demo.DemoService', name);
    if (name === 'apache-dubbo-consumer') assert.equal(att.timeout, '3000');
  }
});
