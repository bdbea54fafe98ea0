// Golden frames from the real thing: a SOFARPC 5.13.2 consumer calling a SOFARPC 5.13.2 provider
// (Java 17, sofa-rpc-all with hessian 3.5.5 and bolt 1.6.10), recorded through a relay by
// test/fleet/sofarpc.test.js with MESHLET_FLEET_CAPTURE=1 (fixtures/sofarpc-captured.json). Every
// frame is decoded here; where Meshlet encodes the same message, the bytes are compared, and where
// they legitimately differ the test says which fields and why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, createInvocation, defineService, RpcError, t, type TypeDesc } from '@meshlet/core';
import { hessian2Draft } from '@meshlet/hessian';
import { CMD_HEARTBEAT, CMD_REQUEST, CMD_RESPONSE, CODEC_HESSIAN, CODEC_PROTOBUF, SOFA_REQUEST_CLASS, SOFA_RESPONSE_CLASS, Status, TYPE_REQUEST, TYPE_RESPONSE } from './constants.js';
import { Flavours } from './flavours.js';
import { boltSplitter, parseFrame, V1 } from './frame.js';
import { decodeHeaderMap, encodeHeaderMap, javaHashMapOrder } from './header-map.js';
import { protobufMessage } from './protobuf.js';
import { compileClientMethod, encodeRequest, readSofaRequest } from './request.js';
import { decodeResponse, encodeExceptionResponse, encodeFrameworkErrorResponse, encodeHeartbeatAck, encodeProtobufErrorResponse, encodeProtobufResponse, encodeValueResponse, resultEncoder } from './response.js';

interface Capture { source: string; cases: string[]; connections: { fromClient: string[]; fromServer: string[] }[] }
const capture = JSON.parse(readFileSync(new URL('../src/fixtures/sofarpc-captured.json', import.meta.url), 'utf8')) as Capture;
assert.equal(capture.connections.length, 1, 'one connection: SOFARPC multiplexes every reference to one address');
const requests = capture.connections[0]!.fromClient.map((h) => Buffer.from(h, 'hex'));
const responses = capture.connections[0]!.fromServer.map((h) => Buffer.from(h, 'hex'));
const responseById = new Map(responses.map((b) => [parseFrame(b).id, b]));
const flavours = new Flavours(hessian2Draft);
const w = hessian2Draft.createWriter();
const APP = 'sofarpc-fleet-consumer';

const header = (b: Buffer) => {
  const f = parseFrame(b);
  return f.headerLength > 0 ? { ...decodeHeaderMap(b, f.headerStart, f.headerStart + f.headerLength) } : {};
};
const className = (b: Buffer) => { const f = parseFrame(b); return b.toString('latin1', f.classStart, f.classStart + f.classLength); };
/** The SofaRequest of a Hessian request and its arguments (untyped: every value the stream holds). */
function request(b: Buffer) {
  const f = parseFrame(b);
  const r = flavours.reader(b, f.contentStart, f.contentStart + f.contentLength);
  const head = readSofaRequest(r);
  const args: unknown[] = [];
  while (!r.atEnd) args.push(r.readValue());
  return { f, head, args };
}
const hessianRequests = () => requests.filter((b) => parseFrame(b).cmd === CMD_REQUEST && parseFrame(b).codec === CODEC_HESSIAN);
const byMethod = (service: string, method: string) => hessianRequests().filter((b) => { const h = header(b); return h.service === service && h.sofa_head_method_name === method; });

const ECHO = 'com.meshlet.conformance.EchoService:1.0';
const FLEET = 'com.meshlet.fleet.FleetService:1.0';
const PROTO = 'com.meshlet.sofarpc.ProtoService:1.0';

test('every captured frame is a whole Bolt v1 frame the splitter cuts and the parser reads', () => {
  for (const b of [...requests, ...responses]) {
    assert.equal(boltSplitter.frameLength(b, 0), b.length);
    assert.equal(parseFrame(b).proto, 1, "SOFARPC 5's client sends v1 frames (and its server answers in kind)");
  }
  assert.equal(requests.length, responses.length, 'every request answered');
  for (const q of requests) assert.ok(responseById.has(parseFrame(q).id), `an answer to id ${parseFrame(q).id}`);
});

test("SOFARPC requests decode: header keys, the SofaRequest, typed arguments, requestProps with the tracer's nested map", () => {
  const qs = hessianRequests();
  assert.ok(qs.length >= 12);
  for (const b of qs) {
    const { f, head, args } = request(b);
    assert.deepEqual([f.type, f.cmd, f.codec], [TYPE_REQUEST, CMD_REQUEST, CODEC_HESSIAN]);
    assert.equal(className(b), SOFA_REQUEST_CLASS);
    const h = header(b);
    assert.equal(h.service, head.targetServiceUniqueName);
    assert.equal(h.sofa_head_target_service, head.targetServiceUniqueName);
    assert.equal(h.sofa_head_method_name, head.methodName);
    assert.deepEqual([h.app, h.protocol, h.type], [APP, 'bolt', 'sync']);
    // The tracer's context: flattened in the header, one nested map in the body.
    assert.match(h['rpc_trace_context.sofaTraceId']!, /^[0-9a-f]{8}\d{13}\d{4}\d+$/);
    assert.equal(h['rpc_trace_context.sofaRpcId'], '0');
    const props = head.requestProps as Map<string, unknown>;
    const trace = props.get('rpc_trace_context') as Map<string, string>;
    assert.equal(trace.get('sofaTraceId'), h['rpc_trace_context.sofaTraceId']);
    assert.equal(head.targetAppName, null);
    assert.equal(args.length, head.methodArgSigs!.length);
  }
  assert.deepEqual(request(byMethod(ECHO, 'addLong')[0]!).args, [9007199254740993n, 0n]);
  assert.deepEqual(request(byMethod(ECHO, 'addLong')[0]!).head.methodArgSigs, ['long', 'long']);
  assert.deepEqual(request(byMethod(FLEET, 'describe')[0]!).head.methodArgSigs, ['long']);
  assert.deepEqual(request(byMethod(ECHO, 'nullable')[0]!).args, [null]);
  // uniqueId travels only inside the unique name: interface:version:uniqueId.
  assert.equal(header(byMethod(`${ECHO}:g2`, 'echo')[0]!).service, `${ECHO}:g2`);
  // addCustomHeader puts the attachment in requestProps, hence in the header as well.
  const attached = byMethod(FLEET, 'attachment').find((b) => header(b)['x-fleet-key'] !== undefined)!;
  assert.equal((request(attached).head.requestProps as Map<string, unknown>).get('x-fleet-key'), 'fleet-42');
  // The generic calls (GenericService.$invoke) say so in the props.
  const generic = byMethod('com.meshlet.Missing:1.0', 'nope')[0]!;
  assert.deepEqual([header(generic).sofa_head_generic_type, header(generic)['generic.revise']], ['0', 'true']);
});

test("Meshlet's request for the same call carries the same header and body, differing only in Java's HashMap order", () => {
  const Echo = defineService({ interface: 'com.meshlet.conformance.EchoService', version: '1.0', methods: { echo: { params: [t.string], returns: t.string } } });
  const java = byMethod(ECHO, 'echo').find((b) => request(b).args[0] === 'hello')!;
  const jh = header(java);
  const attachments = Object.fromEntries(Object.entries(jh).filter(([k]) => k.startsWith('rpc_trace_context.')));
  const cm = compileClientMethod(Echo, Echo.methods.get('echo')!, APP);
  const ours = encodeRequest(w, V1, parseFrame(java).id, cm, createInvocation(Echo, Echo.methods.get('echo')!, ['hello'], { attachments }), 5000);
  // Same key/value set; in Java's order (a HashMap of all of them) the header bytes are identical.
  assert.deepEqual(header(ours), jh);
  const f = parseFrame(java);
  const reordered = encodeHeaderMap(javaHashMapOrder(Object.keys(header(ours))).map((k) => [k, header(ours)[k]] as const));
  assert.ok(reordered.equals(java.subarray(f.headerStart, f.headerStart + f.headerLength)), 'header bytes equal in HashMap order');
  // Body: same SofaRequest fields and argument; requestProps entries equal as maps (Meshlet appends
  // attachments after app/protocol/type, Java iterates its HashMap).
  const a = request(java);
  const b = request(ours);
  assert.deepEqual([b.head.methodName, b.head.methodArgSigs, b.head.targetServiceUniqueName, b.head.targetAppName, b.args],
    [a.head.methodName, a.head.methodArgSigs, a.head.targetServiceUniqueName, a.head.targetAppName, a.args]);
  const norm = (m: unknown): unknown => (m instanceof Map ? Object.fromEntries([...m].map(([k, v]) => [k, norm(v)]).sort()) : m);
  assert.deepEqual(norm(b.head.requestProps), norm(a.head.requestProps));
  assert.equal(ours[0], java[0]);
  assert.deepEqual([parseFrame(ours).type, parseFrame(ours).cmd, parseFrame(ours).codec, parseFrame(ours).timeout], [f.type, f.cmd, f.codec, f.timeout]);
});

test("value responses: Meshlet's encoding is byte-identical to the SOFARPC provider's", () => {
  const cases: [string, string, unknown, TypeDesc][] = [
    [ECHO, 'echo', 'hello', t.string],
    [ECHO, 'addLong', 9007199254740993n, t.int64],
    [ECHO, 'nullable', null, t.nullable(t.string)],
    [FLEET, 'describe', 'long:7', t.string],
    [`${ECHO}:g2`, 'echo', 'g2:x', t.string],
  ];
  for (const [service, method, value, desc] of cases) {
    const q = byMethod(service, method)[0]!;
    const java = responseById.get(parseFrame(q).id)!;
    assert.deepEqual(header(java), {}, 'no response header on success');
    const ours = encodeValueResponse(w, V1, parseFrame(q).id, value, resultEncoder(desc));
    assert.equal(ours.toString('hex'), java.toString('hex'), `${service}.${method}`);
  }
});

test("a POJO result: same class, fields and values; Java's field order is its serializer's (primitives and java.lang first)", () => {
  const q = byMethod(ECHO, 'echoUser')[0]!;
  const java = responseById.get(parseFrame(q).id)!;
  const f = parseFrame(java);
  const r = flavours.reader(java, f.contentStart, f.contentStart + f.contentLength);
  const body = r.readValue() as Record<string, unknown>;
  const user = body.appResponse as Record<string, unknown>;
  assert.deepEqual(Object.keys(user), ['id', 'name', 'active', 'score', 'tags', 'attrs']);
  // Declared in that order, Meshlet's bytes are Java's but for one legitimate difference: Java tags
  // the map with its runtime class (`Mt` "java.util.LinkedHashMap"), Meshlet writes an untyped map,
  // which Java reads as a HashMap into the Map-typed field.
  const User = t.object('com.meshlet.conformance.User', { id: t.int64, name: t.string, active: t.bool, score: t.float64, tags: t.list(t.string), attrs: t.map(t.string, t.string) });
  const ours = encodeValueResponse(w, V1, f.id, { id: 9007199254740993n, name: 'Zoë 😀', active: true, score: -12.5, tags: ['a', 'b'], attrs: new Map() }, resultEncoder(User));
  const typeTag = Buffer.concat([Buffer.from([0x74, 0x00, 0x17]), Buffer.from('java.util.LinkedHashMap')]);
  const at = java.indexOf(typeTag);
  assert.ok(at > 0);
  const untagged = Buffer.concat([java.subarray(0, at), java.subarray(at + typeTag.length)]);
  untagged.writeInt32BE(parseFrame(java).contentLength - typeTag.length, 16);
  assert.equal(ours.toString('hex'), untagged.toString('hex'));
});

test("framework errors (unknown service, unknown method): SOFARPC's exact errorMsg, byte-identical from Meshlet, typed on decode", () => {
  const Missing = defineService({ interface: 'com.meshlet.Missing', version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });
  const cm = compileClientMethod(Missing, Missing.methods.get('nope')!, APP);
  for (const [service, code, text] of [
    ['com.meshlet.Missing:1.0', Code.ServiceNotFound, 'RPC-020100010: RPC cannot find service: [com.meshlet.Missing:1.0] '],
    [ECHO, Code.MethodNotFound, `RPC-020100011: Cannot find invoke method: [nope], service: [${ECHO}] `],
  ] as const) {
    const q = byMethod(service, 'nope')[0]!;
    const java = responseById.get(parseFrame(q).id)!;
    assert.deepEqual(header(java), { sofa_head_response_error: 'true' });
    assert.equal(parseFrame(java).status, Status.SUCCESS);
    assert.equal(encodeFrameworkErrorResponse(w, V1, parseFrame(q).id, text).toString('hex'), java.toString('hex'));
    assert.throws(() => decodeResponse(java, cm, flavours), (e: unknown) => RpcError.is(e, code) && e.message === text);
  }
});

test('business exceptions: the Throwable itself as appResponse, flagged; Meshlet sends the same class, message and flags', () => {
  const Echo = defineService({ interface: 'com.meshlet.conformance.EchoService', version: '1.0', methods: { fail: { params: [t.string], returns: t.void } } });
  const cm = compileClientMethod(Echo, Echo.methods.get('fail')!, APP);
  for (const [service, method, cls, message] of [
    [ECHO, 'fail', 'java.lang.IllegalStateException', 'boom'],
    [FLEET, 'raise', 'com.meshlet.fleet.FleetException', 'fleet says no'],
  ] as const) {
    const q = byMethod(service, method)[0]!;
    const java = responseById.get(parseFrame(q).id)!;
    assert.equal(parseFrame(java).status, Status.SUCCESS, 'not a Bolt error status');
    assert.deepEqual(header(java), { sofa_head_response_error: 'true' });
    assert.throws(() => decodeResponse(java, cm, flavours), (e: unknown) =>
      RpcError.is(e, Code.Business) && e.message === message && e.remoteClass === cls
      // Java's stack trace comes along, as printStackTrace shows it.
      && e.remoteStack !== undefined && e.remoteStack.startsWith(`${cls}: ${message}\n\tat `));
    const ours = encodeExceptionResponse(w, V1, parseFrame(q).id, cls, message);
    assert.deepEqual(header(ours), header(java));
    assert.throws(() => decodeResponse(ours, cm, flavours), (e: unknown) => RpcError.is(e, Code.Business) && e.message === message && e.remoteClass === cls && e.remoteStack === undefined);
    // The same Throwable shape: `cause` a reference to itself (Java's "not initialised" marker:
    // getCause() null, initCause() allowed), an empty `suppressedExceptions`. What legitimately
    // differs: Java's real stack trace; Meshlet has no Java frames and sends an empty one.
    const read = (b: Buffer) => { const f = parseFrame(b); return flavours.reader(b, f.contentStart, f.contentStart + f.contentLength).readValue() as Record<string, unknown>; };
    const j = read(java);
    const o = read(ours);
    assert.deepEqual([o.isError, o.errorMsg, o.responseProps], [j.isError, j.errorMsg, j.responseProps]);
    const jt = j.appResponse as Record<string, unknown>;
    const ot = o.appResponse as Record<string, unknown>;
    assert.equal(ot.detailMessage, jt.detailMessage);
    assert.equal(jt.cause, jt);
    assert.equal(ot.cause, ot);
    assert.ok((jt.stackTrace as unknown[]).length > 0);
    assert.deepEqual(ot.stackTrace, []);
    assert.deepEqual(Object.keys(ot), Object.keys(jt));
    assert.deepEqual(ot.suppressedExceptions, jt.suppressedExceptions);
    // Byte for byte, once Java's stack trace elements are taken out of its list.
    const jtBytes = java.subarray(parseFrame(java).contentStart);
    const otBytes = ours.subarray(parseFrame(ours).contentStart);
    const trace = Buffer.from('5b6a6176612e6c616e672e537461636b5472616365456c656d656e74', 'hex'); // "[java.lang.StackTraceElement"
    const jStart = jtBytes.indexOf(trace) + trace.length;
    const oStart = otBytes.indexOf(trace) + trace.length;
    assert.ok(jtBytes.subarray(0, jStart).equals(otBytes.subarray(0, oStart)), 'identical up to the stack trace');
    const tail = Buffer.from('7a5674001f', 'hex'); // end of the stack trace list, then the suppressed list's type
    assert.ok(jtBytes.subarray(jtBytes.lastIndexOf(tail)).equals(otBytes.subarray(otBytes.lastIndexOf(tail))), 'identical after it');
  }
});

test('protobuf (codec 11): the bare message both ways, service and method only in the header; errors as flagged text', () => {
  const root = protobuf.Root.fromJSON({ nested: { com: { nested: { meshlet: { nested: { fleet: { nested: { proto: { nested: {
    EchoRequest: { fields: { text: { type: 'string', id: 1 }, big: { type: 'int64', id: 2 }, tags: { rule: 'repeated', type: 'string', id: 3 }, blob: { type: 'bytes', id: 4 }, score: { type: 'double', id: 5 }, flag: { type: 'bool', id: 6 } } },
  } } } } } } } } } });
  const Req = protobufMessage(root.lookupType('com.meshlet.fleet.proto.EchoRequest'));
  const Proto = defineService({ interface: 'com.meshlet.sofarpc.ProtoService', version: '1.0', methods: { echo: { params: [Req], returns: Req } } });
  const qs = requests.filter((b) => parseFrame(b).codec === CODEC_PROTOBUF);
  assert.equal(qs.length, 3);
  for (const q of qs) {
    assert.equal(className(q), SOFA_REQUEST_CLASS);
    assert.equal(header(q).sofa_head_target_service, PROTO);
    const a = responseById.get(parseFrame(q).id)!;
    assert.equal(parseFrame(a).codec, CODEC_PROTOBUF);
    assert.equal(className(a), SOFA_RESPONSE_CLASS);
  }
  // echo: Meshlet's request content for the same message is Java's, and so is its reply frame.
  const [echo, flagOnly, fail] = qs as [Buffer, Buffer, Buffer];
  const f = parseFrame(echo);
  const value = { text: 'héllo 😀', big: 9007199254740993n, tags: ['a', ''], blob: Buffer.from([0, 1, 255]), score: -12.5, flag: true };
  const cm = compileClientMethod(Proto, Proto.methods.get('echo')!, APP);
  const ours = encodeRequest(w, V1, f.id, cm, createInvocation(Proto, Proto.methods.get('echo')!, [value]), 10_000);
  const op = parseFrame(ours);
  assert.ok(ours.subarray(op.contentStart).equals(echo.subarray(f.contentStart)), 'the same protobuf bytes');
  for (const q of [echo, flagOnly]) {
    const a = responseById.get(parseFrame(q).id)!;
    const pa = parseFrame(a);
    assert.deepEqual(header(a), {});
    assert.equal(encodeProtobufResponse(V1, pa.id, a.subarray(pa.contentStart)).toString('hex'), a.toString('hex'));
  }
  const failed = responseById.get(parseFrame(fail).id)!;
  assert.deepEqual(header(failed), { sofa_head_response_error: 'true' });
  assert.equal(encodeProtobufErrorResponse(V1, parseFrame(failed).id, 'proto says no').toString('hex'), failed.toString('hex'));
});

test('heartbeats: SOFARPC sends 22-byte v1 requests with timeout -1 on an idle connection; acks are byte-identical', () => {
  const beats = requests.filter((b) => parseFrame(b).cmd === CMD_HEARTBEAT);
  assert.ok(beats.length >= 2, `heartbeats captured: ${beats.length}`);
  for (const b of beats) {
    const f = parseFrame(b);
    assert.deepEqual([b.length, f.type, f.timeout, f.codec, f.classLength, f.headerLength, f.contentLength], [22, TYPE_REQUEST, -1, CODEC_HESSIAN, 0, 0, 0]);
    const ack = responseById.get(f.id)!;
    assert.deepEqual([parseFrame(ack).type, parseFrame(ack).cmd], [TYPE_RESPONSE, CMD_HEARTBEAT]);
    assert.equal(encodeHeartbeatAck(V1, f.id, f.codec).toString('hex'), ack.toString('hex'));
  }
  assert.ok(responses.some((b) => parseFrame(b).cmd === CMD_RESPONSE));
});
