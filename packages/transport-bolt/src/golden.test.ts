import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createInvocation, defineService, RpcError, t } from '@meshlet/core';
import { hessian2Draft } from '@meshlet/hessian';
import { golden, hex } from './golden.fixture.js';
import { CMD_HEARTBEAT, CODEC_HESSIAN, SOFA_REQUEST_CLASS, Status, TYPE_REQUEST, TYPE_RESPONSE } from './constants.js';
import { Flavours } from './flavours.js';
import { buildFrame, crcValid, parseFrame, shapeOf, V1, V2_CRC } from './frame.js';
import { decodeHeaderMap, javaHashMapOrder } from './header-map.js';
import { compileClientMethod, encodeRequest, readSofaRequest } from './request.js';
import { decodeResponse, encodeFrameworkErrorResponse, encodeHeartbeatAck, encodeValueResponse, resultEncoder } from './response.js';

const Echo = defineService({
  interface: 'com.example.EchoService',
  version: '1.0',
  methods: { echo: { params: [t.string], returns: t.string }, ping: { params: [t.string], returns: t.void, oneway: true } },
});
const echo = Echo.methods.get('echo')!;
const flavours = new Flavours(hessian2Draft);
const w = hessian2Draft.createWriter();
const javaEcho = compileClientMethod(Echo, echo, 'demo-client');
const stringResult = resultEncoder(t.string);

/** The class, header and content bytes of a frame, for re-framing them. */
function parts(frame: Buffer) {
  const f = parseFrame(frame);
  return {
    f,
    cls: frame.subarray(f.classStart, f.classStart + f.classLength),
    header: frame.subarray(f.headerStart, f.headerStart + f.headerLength),
    content: frame.subarray(f.contentStart, f.contentStart + f.contentLength),
  };
}

test('Java-shaped request: byte-identical to what SOFARPC sends (header keys in HashMap order)', () => {
  const inv = createInvocation(Echo, echo, ['hello']);
  assert.equal(encodeRequest(w, V1, 1, javaEcho, inv, 3000).toString('hex'), golden.JAVA_REQUEST);
  assert.deepEqual(javaHashMapOrder(['service', 'sofa_head_method_name', 'sofa_head_target_service', 'app', 'protocol', 'type']),
    ['sofa_head_target_service', 'app', 'protocol', 'service', 'sofa_head_method_name', 'type']);
});

test('Java-shaped request decodes: header, SofaRequest fields, typed argument', () => {
  const frame = hex(golden.JAVA_REQUEST);
  const { f, cls } = parts(frame);
  assert.deepEqual([f.proto, f.type, f.cmd, f.id, f.codec, f.timeout], [1, TYPE_REQUEST, 1, 1, CODEC_HESSIAN, 3000]);
  assert.equal(cls.toString(), SOFA_REQUEST_CLASS);
  assert.deepEqual({ ...decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength) }, {
    sofa_head_target_service: 'com.example.EchoService:1.0', app: 'demo-client', protocol: 'bolt',
    service: 'com.example.EchoService:1.0', sofa_head_method_name: 'echo', type: 'sync',
  });
  const r = flavours.reader(frame, f.contentStart, frame.length);
  const head = readSofaRequest(r);
  assert.equal(head.methodName, 'echo');
  assert.deepEqual(head.methodArgSigs, ['java.lang.String']);
  assert.equal(head.targetServiceUniqueName, 'com.example.EchoService:1.0');
  assert.equal(head.targetAppName, null);
  assert.deepEqual(head.requestProps, new Map([['app', 'demo-client'], ['protocol', 'bolt'], ['type', 'sync']]));
  assert.equal(r.readTyped(t.string), 'hello');
  assert.ok(r.atEnd);
});

test('sofa-rpc-node request: decodes (its field order, `[java.lang.String`, header `service` only) and re-frames byte-exact', () => {
  const frame = hex(golden.NODE_REQUEST);
  const { f, cls, header, content } = parts(frame);
  assert.deepEqual({ ...decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength) }, { service: 'com.example.EchoService:1.0' });
  const r = flavours.reader(frame, f.contentStart, frame.length);
  const head = readSofaRequest(r);
  assert.deepEqual([head.methodName, head.methodArgSigs, head.targetServiceUniqueName], ['echo', ['java.lang.String'], 'com.example.EchoService:1.0']);
  assert.deepEqual(head.requestProps, new Map([['service', 'com.example.EchoService:1.0']]));
  assert.equal(r.readTyped(t.string), 'hello');
  assert.equal(buildFrame(V1, TYPE_REQUEST, 1, 1, CODEC_HESSIAN, 3000, cls, header, content).toString('hex'), golden.NODE_REQUEST);
});

test('oneway: the same frame with type 0x02 and `type=oneway` in the props', () => {
  const ping = Echo.methods.get('ping')!;
  const frame = encodeRequest(w, V1, 1, compileClientMethod(Echo, ping, 'demo-client'), createInvocation(Echo, ping, ['x']), 3000);
  assert.equal(frame[1], 0x02);
  const f = parseFrame(frame);
  assert.equal(decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength).type, 'oneway');
});

test('response: byte-identical to Java and sofa-rpc-node, and decodes', () => {
  assert.equal(encodeValueResponse(w, V1, 1, 'hello', stringResult).toString('hex'), golden.RESPONSE);
  assert.equal(decodeResponse(hex(golden.RESPONSE), javaEcho, flavours), 'hello');
});

test('framework error: byte-identical to SOFARPC buildSofaErrorResponse, decodes to SERVER_ERROR', () => {
  assert.equal(encodeFrameworkErrorResponse(w, V1, 1, 'boom').toString('hex'), golden.FRAMEWORK_ERROR);
  const frame = hex(golden.FRAMEWORK_ERROR);
  const f = parseFrame(frame);
  assert.deepEqual({ ...decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength) }, { sofa_head_response_error: 'true' });
  assert.throws(() => decodeResponse(frame, javaEcho, flavours), (e: unknown) => RpcError.is(e, Code.ServerError) && e.message === 'boom');
});

test('v2 + CRC32: the request re-frames byte-exact, sofa-rpc-node\'s reply is rebuilt byte-exact, both verify', () => {
  const request = hex(golden.V2_CRC_REQUEST);
  assert.ok(crcValid(request));
  const { f, cls, header, content } = parts(request);
  assert.deepEqual([f.proto, f.ver1, f.switchByte, f.type, f.id, f.timeout, f.classLength, f.headerLength, f.contentLength], [2, 2, 1, TYPE_REQUEST, 1, 3000, 44, 42, 244]);
  assert.deepEqual(shapeOf(request), V2_CRC);
  assert.equal(buildFrame(V2_CRC, TYPE_REQUEST, 1, 1, CODEC_HESSIAN, 3000, cls, header, content).toString('hex'), golden.V2_CRC_REQUEST);
  const node = parts(hex(golden.NODE_REQUEST));
  assert.deepEqual([content, header, cls], [node.content, node.header, node.cls]);

  const response = encodeValueResponse(w, V2_CRC, 5, 'hello', stringResult);
  assert.equal(response.toString('hex'), golden.V2_CRC_RESPONSE);
  assert.ok(response.toString('hex').endsWith('0568656c6c6f4e31f48902'));
  assert.equal(decodeResponse(response, javaEcho, flavours), 'hello');
  const corrupt = Buffer.from(request);
  corrupt[200]! ^= 1;
  assert.equal(crcValid(corrupt), false);
});

test('heartbeats: Java\'s request (timeout -1), acks with the id echoed, v2 in kind', () => {
  assert.equal(buildFrame(V1, TYPE_REQUEST, CMD_HEARTBEAT, 7, CODEC_HESSIAN, -1, Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)).toString('hex'), golden.JAVA_HEARTBEAT);
  for (const [request, ack] of [[golden.HEARTBEAT, golden.HEARTBEAT_ACK], [golden.JAVA_HEARTBEAT, golden.HEARTBEAT_ACK]] as const) {
    const f = parseFrame(hex(request));
    assert.equal(encodeHeartbeatAck(shapeOf(hex(request)), f.id, f.codec).toString('hex'), ack);
  }
  assert.equal(encodeHeartbeatAck(V1, 9, CODEC_HESSIAN).toString('hex'), golden.HEARTBEAT_ACK_9);
  const v2 = hex(golden.HEARTBEAT_V2);
  const f = parseFrame(v2);
  assert.deepEqual([f.proto, f.ver1, f.cmd, f.id, f.timeout], [2, 1, CMD_HEARTBEAT, 7, 3000]);
  const ack = encodeHeartbeatAck(shapeOf(v2), f.id, f.codec);
  assert.equal(ack.toString('hex'), '02010000000100000007010000000000000000000000');
  assert.equal(parseFrame(ack).type, TYPE_RESPONSE);
});

test('MOSN hijack replies (a status, no class, no content) map to typed errors', () => {
  const cases: [number, Code][] = [
    [Status.NO_PROCESSOR, Code.Unavailable], [Status.SERVER_THREADPOOL_BUSY, Code.ServerBusy], [Status.CODEC_EXCEPTION, Code.BadRequest],
    [Status.SERVER_DESERIAL_EXCEPTION, Code.BadRequest], [Status.TIMEOUT, Code.Timeout],
    // MOSN hijacks only its RBAC refusals with SERVER_EXCEPTION (PermissionDeniedCode → 2); Java Bolt never sends 2 empty.
    [Status.SERVER_EXCEPTION, Code.PermissionDenied],
    [Status.UNKNOWN, Code.ServerError], [Status.ERROR, Code.ServerError], [Status.ERROR_COMM, Code.Unavailable],
    [Status.CLIENT_SEND_ERROR, Code.Unavailable], [Status.CONNECTION_CLOSED, Code.ConnectionClosed],
    [Status.SERVER_SERIAL_EXCEPTION, Code.BadResponse], [0x7777, Code.ServerError],
  ];
  for (const [status, code] of cases) {
    const frame = buildFrame(V1, TYPE_RESPONSE, 2, 3, CODEC_HESSIAN, status, Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0));
    assert.throws(() => decodeResponse(frame, javaEcho, flavours), (e: unknown) => RpcError.is(e, code) && e.status === status, `status ${status}`);
  }
});
