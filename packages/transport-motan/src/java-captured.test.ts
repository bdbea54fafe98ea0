// Golden tests on frames captured from the real Java motan 1.2.6 (test/fleet/motan-java.test.js with
// MESHLET_FLEET_CAPTURE=1 wrote fixtures/java-motan-captured.json): every frame decodes, and where
// Meshlet encodes the same message the bytes are compared, with the fields that legitimately
// differ named (request ids, Java's HashMap meta order, M_pt, fastjson's key order).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Code, RpcError, defineService, t } from '@meshlet/core';
import { Meta, META_START } from './constants.js';
import { bodyOf, buf, metaOf, User } from './captured.fixture.js';
import { errorFromException } from './exception.js';
import { motanSplitter, parseHeader } from './header.js';
import { encodeRequest, prepareCall } from './request.js';
import { decodeResponse, encodeHeartbeatReply, encodeValueResponse } from './response.js';
import { Serializations } from './serializations.js';
import type { Serializer } from './serializer.js';
import { bodyReader } from './body.js';
import { BreezeMessage } from './breeze/index.js';
import { ByteWriter } from './wire/writer.js';

interface Exchange { requests: string[]; responses: string[] }
const fx = JSON.parse(readFileSync(new URL('../src/fixtures/java-motan-captured.json', import.meta.url), 'utf8')) as {
  meshletToJava: Exchange; javaToMeshlet: Exchange; breeze: Exchange;
  heartbeat: { request: string; response: string };
  javaHeartbeat: { request: string; response: string };
  zookeeper: { serverNode: string; serverData: string; clientNode: string; clientData: string };
};

const Echo = defineService({
  interface: 'com.meshlet.conformance.EchoService',
  group: 'conformance',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    echoUser: { params: [User], returns: User },
    fail: { params: [t.string], returns: t.void },
  },
});
const user = { id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', 'b', ''], attrs: new Map([['k', 'v'], ['empty', '']]), active: true, score: -12.5 };
const s = new Serializations();
const w = new ByteWriter();
const call = (name: string, ser: Serializer = s.simple) => prepareCall(Echo, Echo.methods.get(name)!, ser, 'meshlet-fleet-probe');

test('every captured frame is one whole Motan2 frame, version 1', () => {
  const all = [fx.meshletToJava, fx.javaToMeshlet, fx.breeze].flatMap((x) => [...x.requests, ...x.responses]).concat(fx.heartbeat.request, fx.heartbeat.response);
  assert.ok(all.length >= 20);
  for (const h of all) {
    const f = buf(h);
    assert.equal(motanSplitter.frameLength(f, 0), f.length, h.slice(0, 40));
    assert.equal(parseHeader(f).version, 1);
  }
});

test("Java's value response: byte for byte what Meshlet writes, given Java's M_pt", () => {
  const javaReply = buf(fx.meshletToJava.responses[0]!);
  const h = parseHeader(javaReply);
  assert.deepEqual(metaOf(javaReply), { M_pt: metaOf(javaReply).M_pt });
  const c = call('echo');
  const ours = encodeValueResponse(w, Number(h.requestId >> 32n), Number(h.requestId & 0xffffffffn), s.simple, c.codec, 'hello', Number(metaOf(javaReply).M_pt));
  assert.equal(ours.toString('hex'), javaReply.toString('hex'));
  assert.equal(decodeResponse(javaReply, c, s, 1 << 20), 'hello');
});

test("Java's exception responses: status 1, serialization kept, M_pt then M_e; typed for Meshlet callers", () => {
  const [, service, method, business] = fx.meshletToJava.responses.map(buf);
  const want: [Buffer, Code, number, string | undefined][] = [
    [service!, Code.ServiceNotFound, 404, undefined],
    [method!, Code.MethodNotFound, 10101, undefined],
    [business!, Code.Business, 30001, 'boom 😀'],
  ];
  for (const [f, code, status, message] of want) {
    const h = parseHeader(f);
    assert.deepEqual([h.response, h.status, h.serialization], [true, 1, 6]);
    assert.deepEqual(Object.keys(metaOf(f)), [Meta.PROCESS_TIME, Meta.EXCEPTION]);
    assert.equal(bodyOf(f).length, 0, 'no body on an exception');
    // fastjson writes errcode, errtype, errmsg; Meshlet writes motan-go's errcode, errmsg, errtype.
    // Order is not significant to any reader (Java's fastjson, Go's encoding/json, ours).
    const err = errorFromException(metaOf(f).M_e);
    assert.ok(err instanceof RpcError);
    assert.deepEqual([err.code, err.status], [code, status]);
    if (message !== undefined) assert.equal(err.message, message);
  }
});

test("heartbeat: Java answers 0x11 with its own serialization byte 0x08; Meshlet's reply echoes the request's", () => {
  const request = buf(fx.heartbeat.request);
  const javaReply = buf(fx.heartbeat.response);
  assert.equal(javaReply.subarray(0, 5).toString('hex'), 'f1f1110808');
  const ours = encodeHeartbeatReply(request);
  // Byte 4 is the only difference: Java's MotanV2Header defaults to serialization 1 (0x08), Meshlet
  // copies the request's (0x30 here). Neither side reads byte 4 of a heartbeat.
  assert.equal(ours.subarray(5).toString('hex'), javaReply.subarray(5).toString('hex'));
  assert.deepEqual([ours[2], ours[3]], [javaReply[2], javaReply[3]]);
  assert.equal(parseHeader(javaReply).requestId, parseHeader(request).requestId);
});

test("Java's own heartbeat (sent once motan fused the endpoint): Java's MotanV2Codec bytes; Meshlet's reply", () => {
  const request = buf(fx.javaHeartbeat.request);
  const h = parseHeader(request);
  assert.equal(request.subarray(0, 5).toString('hex'), 'f1f1100808');
  assert.equal(request.length, 21, 'no meta, no body');
  assert.ok(h.heartbeat && !h.response);
  // What the Meshlet provider answered, and what it would answer now: 0x11 on the same id.
  assert.equal(encodeHeartbeatReply(request).toString('hex'), fx.javaHeartbeat.response);
  assert.equal(fx.javaHeartbeat.response.slice(0, 10), 'f1f1110808');
});

test("Java's requests: meta in HashMap order, its attachments as meta; the body is what Meshlet writes", () => {
  const requests = fx.javaToMeshlet.requests.map(buf);
  const echo = requests.find((f) => metaOf(f).M_m === 'echo')!;
  const m = metaOf(echo);
  // What Java motan sends (no M_v, M_s or M_tmo: version, application, module travel as attachments).
  assert.deepEqual(
    { M_p: m.M_p, M_m: m.M_m, M_md: m.M_md, M_g: m.M_g, M_pp: m.M_pp, group: m.group, version: m.version, application: m.application, module: m.module },
    { M_p: Echo.interface, M_m: 'echo', M_md: 'java.lang.String', M_g: 'conformance', M_pp: 'motan2', group: 'conformance', version: '1.0', application: 'motan-java-consumer', module: 'fleet' },
  );
  const arg = Echo.methods.get('echo')!;
  const [value] = s.simple.method(arg).readArgs(bodyReader(echo, META_START + parseHeader(echo).metaLength + 4, 1 << 20)) as [string];
  assert.ok(value === 'before' || value === 'after');
  const h = parseHeader(echo);
  const ours = encodeRequest(w, call('echo'), Number(h.requestId >> 32n), Number(h.requestId & 0xffffffffn), [value], 1000, {}, Infinity);
  assert.equal(bodyOf(ours).toString('hex'), bodyOf(echo).toString('hex'));
  assert.equal(ours.subarray(0, 13).toString('hex'), echo.subarray(0, 13).toString('hex'), 'same header: type, version, serialization, id');
  // CommonClient (the generic call) sends no M_md: Meshlet's provider resolves such calls by name.
  const generic = requests.find((f) => metaOf(f).M_m === 'echoUser')!;
  assert.equal(metaOf(generic).M_md, undefined);
  const asMap = s.simple.read(bodyReader(generic, META_START + parseHeader(generic).metaLength + 4, 1 << 20), t.any) as Map<string, unknown>;
  assert.equal(asMap.get('id'), 9007199254740993n);
  assert.equal(asMap.get('name'), 'Zoë 😀');
});

test("breeze: Java's User message reads back as the User; Meshlet writes the same fields, in another order", () => {
  const javaReply = buf(fx.breeze.responses[0]!);
  const c = call('echoUser', s.breeze);
  assert.deepEqual(decodeResponse(javaReply, c, s, 1 << 20), user);
  const h = parseHeader(javaReply);
  const ours = encodeValueResponse(w, Number(h.requestId >> 32n), Number(h.requestId & 0xffffffffn), s.breeze, c.codec, user, Number(metaOf(javaReply).M_pt));
  // Same header, meta, message name, field indexes (Java's name.hashCode() & 0x7fffffff) and
  // values, same length. Java's CommonSerializer writes the fields in its HashMap's order (name,
  // score, active, id, tags, attrs here); Meshlet in declaration order. Readers go by index.
  assert.equal(ours.length, javaReply.length);
  const prefix = META_START + parseHeader(ours).metaLength + 4 + 1 + 1 + 28 + 4; // body: tag, name length, name, u32 length
  assert.equal(ours.subarray(0, prefix).toString('hex'), javaReply.subarray(0, prefix).toString('hex'));
  const fields = (f: Buffer) => (s.breeze.read(bodyReader(f, META_START + parseHeader(f).metaLength + 4, 1 << 20), t.any) as BreezeMessage).fields;
  assert.deepEqual(fields(ours), fields(javaReply));
  assert.deepEqual([...fields(javaReply).keys()], [3373707, 109264530, 724532998, 3355, 3552281, 93152418]);
  // Java read Meshlet's request (declaration order) and answered the same User.
  assert.deepEqual(fields(buf(fx.breeze.requests[0]!)), fields(javaReply));
});

test("ZooKeeper: Java's server and client nodes hold Java-serialized URL strings", () => {
  const server = buf(fx.zookeeper.serverData);
  const client = buf(fx.zookeeper.clientData);
  // ObjectOutputStream of a String: magic aced, version 0005, TC_STRING 74, u16 length.
  for (const d of [server, client]) assert.equal(d.subarray(0, 5).toString('hex'), 'aced000574');
  const text = (d: Buffer) => d.subarray(7, 7 + d.readUInt16BE(5)).toString('utf8');
  assert.match(fx.zookeeper.serverNode, /^\/motan\/conformance\/com\.meshlet\.conformance\.EchoService\/server\/[\d.]+:\d+$/);
  assert.match(text(server), /^motan2:\/\/[\d.]+:\d+\/com\.meshlet\.conformance\.EchoService\?.*nodeType=service.*group=conformance&$/);
  // Java's referer registers /client/{ip} (its port, 0, is left out of the name), data its URL.
  assert.match(fx.zookeeper.clientNode, /^\/motan\/conformance\/com\.meshlet\.conformance\.EchoService\/client\/[\d.]+$/);
  assert.match(text(client), /^motan2:\/\/[\d.]+:0\/com\.meshlet\.conformance\.EchoService\?.*application=motan-java-consumer/);
});
