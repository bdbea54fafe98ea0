// Golden tests on frames captured from real motan-go v1.2.0 processes (server, client, agent) by
// test/fleet/motan-go.test.js and motan-agent.test.js with MESHLET_MOTAN_GO_CAPTURE=1, written to
// fixtures/motan-go-captured.json: every frame decodes, and where Meshlet encodes the same message
// the bytes are compared, with the fields that legitimately differ named (request ids, M_pt, the
// order of meta keys, which motan-go keeps in a Go map and writes in random order).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Code, RpcError, defineService, t } from '@meshlet/core';
import { META_START, MsgType } from './constants.js';
import { bodyOf, buf, metaOf, User } from './captured.fixture.js';
import { errorFromException } from './exception.js';
import { motanSplitter, parseHeader } from './header.js';
import { encodeRequest, prepareCall } from './request.js';
import { decodeResponse, encodeExceptionResponse, encodeHeartbeatReply, encodeValueResponse } from './response.js';
import { Serializations } from './serializations.js';
import { bodyReader } from './body.js';
import { ByteWriter } from './wire/writer.js';

const fx = JSON.parse(readFileSync(new URL('../src/fixtures/motan-go-captured.json', import.meta.url), 'utf8')) as Record<string, Record<string, string[]>>;
const toGoServer = fx['meshlet-client-to-motan-go-server']!;
const fromGoClient = fx['motan-go-client-to-meshlet-provider']!;
const toAgent = fx['meshlet-sidecar-to-motan-go-agent']!;
const fromAgent = fx['motan-go-agent-to-meshlet-provider']!;
const isBeat = (f: Buffer) => (f[2]! & MsgType.HEARTBEAT) !== 0;
const idParts = (f: Buffer) => [f.readUInt32BE(5), f.readUInt32BE(9)] as const;

const Echo = defineService({
  interface: 'com.meshlet.conformance.EchoService',
  group: 'conformance',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    addLong: { params: [t.int64, t.int64], returns: t.int64 },
    echoUser: { params: [User], returns: User },
    fail: { params: [t.string], returns: t.void },
  },
});
const s = new Serializations();
const w = new ByteWriter();
const call = (name: string) => prepareCall(Echo, Echo.methods.get(name)!, s.simple, 'motan-go-fleet-test');

test('every captured frame is one whole Motan2 frame, version 1', () => {
  const all = [toGoServer, fromGoClient, toAgent, fromAgent].flatMap((x) => Object.values(x).flat());
  assert.ok(all.length >= 30, `${all.length} frames`);
  for (const h of all) {
    const f = buf(h);
    assert.equal(motanSplitter.frameLength(f, 0), f.length, h.slice(0, 40));
    assert.equal(parseHeader(f).version, 1);
  }
});

test("motan-go server's value response: byte for byte what Meshlet writes, given motan-go's M_pt", () => {
  const requests = toGoServer.fromMeshlet!.map(buf).filter((f) => !isBeat(f));
  const responses = toGoServer.fromMotanGo!.map(buf).filter((f) => !isBeat(f));
  const echoReq = requests.find((f) => metaOf(f).M_m === 'echo')!;
  const reply = responses.find((f) => f.subarray(5, 13).equals(echoReq.subarray(5, 13)))!;
  assert.deepEqual(Object.keys(metaOf(reply)), ['M_pt'], 'motan-go answers with M_pt only');
  const [hi, lo] = idParts(reply);
  const ours = encodeValueResponse(w, hi, lo, s.simple, call('echo').codec, 'hello', Number(metaOf(reply).M_pt));
  assert.equal(ours.toString('hex'), reply.toString('hex'));
  // addLong's int64 beyond 2^53 and echoUser's map come back exact (the map in Go's order: compare values).
  const longReq = requests.find((f) => metaOf(f).M_m === 'addLong')!;
  const longReply = responses.find((f) => f.subarray(5, 13).equals(longReq.subarray(5, 13)))!;
  assert.equal(decodeResponse(longReply, call('addLong'), s, 1 << 20), 9007199254740993n);
  const userReq = requests.find((f) => metaOf(f).M_m === 'echoUser')!;
  const userReply = responses.find((f) => f.subarray(5, 13).equals(userReq.subarray(5, 13)))!;
  assert.deepEqual(decodeResponse(userReply, call('echoUser'), s, 1 << 20),
    { id: 7n, name: 'Zoë', tags: ['a'], attrs: new Map([['k', 'v']]), active: true, score: 1.5 });
  assert.equal(bodyOf(userReply).length, bodyOf(userReq).length, 'Go re-encodes the map with the same tags and sizes');
});

test("motan-go's exception responses: M_e JSON as Meshlet writes it; typed for Meshlet callers", () => {
  const responses = toGoServer.fromMotanGo!.map(buf).filter((f) => parseHeader(f).status === 1);
  const errors = responses.map((f) => JSON.parse(metaOf(f).M_e!) as { errcode: number; errmsg: string; errtype: number });
  assert.deepEqual(errors.map((e) => [e.errcode, e.errtype]), [[500, 2], [404, 1], [500, 1]]);
  assert.equal(errors[0]!.errmsg, 'boom'); // our provider's error → business (errtype 2)
  assert.match(errors[1]!.errmsg, /^provider not exist serviceKey=com\.meshlet\.NoSuchService/);
  assert.equal(errors[2]!.errmsg, 'method nope is not found in provider.'); // DefaultProvider's words
  const codes = responses.map((f) => errorFromException(metaOf(f).M_e));
  assert.ok(codes.every((e) => e instanceof RpcError));
  assert.deepEqual(codes.map((e) => e.code), [Code.Business, Code.ServiceNotFound, Code.ServerError]);
  for (const f of responses) {
    const h = parseHeader(f);
    assert.deepEqual([h.response, h.status, h.serialization, bodyOf(f).length], [true, 1, 6, 0]);
    // Same bytes as Meshlet's encoder except the order of M_pt and M_e (a Go map: random order).
    const e = JSON.parse(metaOf(f).M_e!);
    const [hi, lo] = idParts(f);
    const ours = encodeExceptionResponse(w, hi, lo, 6, e, Number(metaOf(f).M_pt));
    assert.equal(ours.length, f.length);
    assert.equal(ours.subarray(0, 17).toString('hex'), f.subarray(0, 17).toString('hex'));
    assert.deepEqual(metaOf(ours), metaOf(f));
  }
});

test('heartbeats: motan-go answers 0x13 (proxy bit set) where Meshlet answers 0x11; both read as replies', () => {
  const beat = toGoServer.fromMeshlet!.map(buf).find(isBeat)!;
  const reply = toGoServer.fromMotanGo!.map(buf).find(isBeat)!;
  assert.equal(beat.subarray(0, 5).toString('hex'), 'f1f1100830');
  // motan-go's BuildHeartbeat(rid, Res) sets the proxy bit on every heartbeat it builds.
  assert.equal(reply.subarray(0, 5).toString('hex'), 'f1f1130830');
  const ours = encodeHeartbeatReply(beat);
  assert.equal(ours[2], 0x11);
  assert.equal(ours.subarray(3).toString('hex'), reply.subarray(3).toString('hex'), 'all else equal: id, empty meta and body');
  const h = parseHeader(reply);
  assert.ok(h.heartbeat && h.response);
  // The agent answers the same way.
  const agentBeat = toAgent.fromAgent!.map(buf).find(isBeat)!;
  assert.equal(agentBeat.subarray(0, 5).toString('hex'), 'f1f1130830');
});

test("motan-go client's requests: no M_md, M_pp=motan2; the body is what Meshlet writes", () => {
  const requests = fromGoClient.fromMotanGo!.map(buf);
  const echo = requests.find((f) => metaOf(f).M_m === 'echo' && metaOf(f).M_g === 'conformance' && metaOf(f).M_p === Echo.interface)!;
  const m = metaOf(echo);
  assert.deepEqual(m, { M_p: Echo.interface, M_m: 'echo', M_g: 'conformance', M_pp: 'motan2', M_s: 'motan-go-fleet-consumer' });
  const h = parseHeader(echo);
  assert.equal(echo[2], 0x00);
  const [hi, lo] = idParts(echo);
  const ours = encodeRequest(w, call('echo'), hi, lo, ['in-group'], 1000, {}, Infinity);
  assert.equal(bodyOf(ours).toString('hex'), bodyOf(echo).toString('hex'));
  assert.equal(ours.subarray(0, 13).toString('hex'), echo.subarray(0, 13).toString('hex'), 'same header: type, version, serialization, id');
  assert.ok(h.requestId > 0n);
  // Meshlet's provider answered every one on its id.
  const answers = fromGoClient.fromMeshlet!.map(buf);
  for (const r of requests) assert.ok(answers.some((a) => a.subarray(5, 13).equals(r.subarray(5, 13))));
});

test('through the agent: responses carry the proxy bit and x-forwarded-for; "no refers" comes with serialization 0', () => {
  const replies = toAgent.fromAgent!.map(buf).filter((f) => !isBeat(f));
  for (const f of replies) assert.equal(f[2], MsgType.RESPONSE | MsgType.PROXY);
  const [value, business, ...missing] = replies;
  assert.match(metaOf(value!)['x-forwarded-for']!, /^127\.0\.0\.1:\d+$/);
  assert.equal(decodeResponse(value!, call('echo'), s, 1 << 20), 'through the agent');
  assert.throws(() => decodeResponse(business!, call('fail'), s, 1 << 20), (e: unknown) => RpcError.is(e, Code.Business) && (e as Error).message === 'boom');
  assert.ok(missing.length >= 1);
  for (const f of missing) {
    assert.equal(parseHeader(f).serialization, 0, 'the agent\'s own errors have serialization 0');
    assert.equal(JSON.parse(metaOf(f).M_e!).errcode, 1001);
    assert.throws(() => decodeResponse(f, call('echo'), s, 1 << 20), (e: unknown) => RpcError.is(e, Code.Unavailable));
  }
});

test("what the agent relays to the app: proxy bit, its own 64-bit wire id, the caller's id in M_rid; Meshlet echoes the wire id", () => {
  const requests = fromAgent.fromAgent!.map(buf).filter((f) => !isBeat(f));
  const answers = fromAgent.fromMeshlet!.map(buf);
  assert.ok(requests.length >= 3);
  for (const r of requests) {
    assert.equal(r[2], MsgType.PROXY);
    const m = metaOf(r);
    assert.match(m.M_rid!, /^-?\d+$/);
    assert.equal(m.host, '127.0.0.1');
    assert.equal(m['x-forwarded-for'], '127.0.0.1');
    assert.ok(parseHeader(r).requestId > 2n ** 53n, 'the agent\'s stream ids use the high bits');
    const a = answers.find((x) => x.subarray(5, 13).equals(r.subarray(5, 13)))!;
    assert.ok(a, 'answered on the wire id');
    assert.equal(a[2], MsgType.RESPONSE, 'Meshlet answers without the proxy bit; the agent adds its own');
    const args = s.simple.method(Echo.methods.get(m.M_m as 'echo' | 'fail')!).readArgs(bodyReader(r, META_START + parseHeader(r).metaLength + 4, 1 << 20));
    assert.equal(typeof args[0], 'string');
  }
});

test("gzip: motan-go's gzipped response (msgType 0x09) inflates to what Meshlet sent, gzipped too", () => {
  const gz = fx.gzip!;
  const [bigReq, smallReq] = gz.fromMeshlet!.map(buf);
  const [bigRes, smallRes] = gz.fromMotanGo!.map(buf);
  assert.deepEqual([bigReq![2], smallReq![2]], [MsgType.GZIP, 0x00]);
  assert.deepEqual([bigRes![2], smallRes![2]], [MsgType.GZIP | MsgType.RESPONSE, MsgType.RESPONSE]);
  const big = `${'gzip me '.repeat(64 * 1024)}😀`;
  assert.equal(decodeResponse(bigRes!, call('echo'), s, 8 << 20), big);
  assert.equal(decodeResponse(smallRes!, call('echo'), s, 8 << 20), 'small');
  // gzip bytes are implementation-specific (Go's compress/gzip vs zlib): compare what they inflate to.
  const [arg] = s.simple.method(Echo.methods.get('echo')!).readArgs(bodyReader(bigReq!, META_START + parseHeader(bigReq!).metaLength + 4, 8 << 20));
  assert.equal(arg, big);
});
