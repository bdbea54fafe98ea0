import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Code, RpcError, defineService, t } from '@meshlet/core';
import { captures, frames, hex, simple } from './golden.fixture.js';
import { Meta, META_START, MsgType } from './constants.js';
import { encodeFrame } from './frame.js';
import { parseHeader, parseRequestIdMeta, requestIdMeta } from './header.js';
import { readMeta } from './meta.js';
import { encodeRequest, prepareCall } from './request.js';
import { decodeResponse, encodeExceptionResponse, encodeHeartbeat, encodeHeartbeatReply, encodeValueResponse } from './response.js';
import { Serializations } from './serializations.js';
import { bodyReader } from './body.js';
import { ByteWriter } from './wire/writer.js';

const serializations = new Serializations();
const { simple: s } = serializations;
const w = new ByteWriter();

const Hello = defineService({
  interface: 'com.example.Hello',
  methods: { hello: { params: [t.string], returns: t.string } },
});
const hello = Hello.methods.get('hello')!;
const call = prepareCall(Hello, hello, s, undefined);

/** Meta pairs in wire order, and the body, of a frame. */
function parts(frame: Buffer): { meta: [string, string][]; body: Buffer } {
  const h = parseHeader(frame);
  const text = frame.toString('utf8', META_START, META_START + h.metaLength);
  const pieces = text === '' ? [] : text.split('\n');
  const meta: [string, string][] = [];
  for (let i = 0; i + 1 < pieces.length; i += 2) meta.push([pieces[i]!, pieces[i + 1]!]);
  return { meta, body: frame.subarray(META_START + h.metaLength + 4) };
}

test('§4.2 request: encoded byte for byte, and every field decodes', () => {
  const body = (() => { w.reset(); call.codec.writeArgs(w, ['Ray']); return w.finish(); })();
  const frame = encodeFrame(w, { msgType: 0, serialization: s.id, requestId: 1n, meta: [[Meta.PATH, 'com.example.Hello']], body });
  assert.equal(frame.toString('hex'), frames.request);
  const h = parseHeader(hex(frames.request));
  assert.deepEqual(
    [h.response, h.heartbeat, h.gzip, h.oneway, h.proxy, h.version, h.status, h.serialization, h.requestId, h.metaLength, h.bodyLength],
    [false, false, false, false, false, 1, 0, 6, 1n, 0x15, 8],
  );
  const f = hex(frames.request);
  assert.deepEqual({ ...readMeta(f, META_START, META_START + h.metaLength) }, { M_p: 'com.example.Hello' });
  assert.deepEqual(call.codec.readArgs(bodyReader(f, META_START + h.metaLength + 4, 1 << 20)), ['Ray']);
});

test('§4.2 response with M_pt, and the exception response: byte for byte both ways', () => {
  assert.equal(encodeValueResponse(w, 0, 1, s, call.codec, 'hello Ray', 3).toString('hex'), frames.response);
  assert.equal(decodeResponse(hex(frames.response), call, serializations, 1 << 20), 'hello Ray');
  const e = { errcode: 500, errmsg: 'boom', errtype: 1 };
  assert.equal(encodeExceptionResponse(w, 0, 7, s.id, e).toString('hex'), frames.exception);
  assert.throws(() => decodeResponse(hex(frames.exception), call, serializations, 1 << 20), (err: unknown) =>
    RpcError.is(err, Code.ServerError) && err.message === 'boom' && err.status === 500);
});

test('§4.2 empty request, heartbeats (motan-go and Java), gzip request', () => {
  assert.equal(encodeFrame(w, { msgType: 0, serialization: 6, requestId: 2n }).toString('hex'), frames.empty);
  assert.equal(encodeHeartbeatReply(hex(frames.goHeartbeat)).toString('hex'), frames.goHeartbeatReply);
  assert.equal(encodeHeartbeat(0, 9, 1).toString('hex'), frames.javaHeartbeat);
  const javaReply = encodeHeartbeatReply(hex(frames.javaHeartbeat));
  assert.equal(javaReply.toString('hex'), 'f1f111080800000000000000090000000000000000');
  const h = parseHeader(hex(frames.goHeartbeat));
  assert.deepEqual([h.heartbeat, h.proxy, h.requestId], [true, true, 0x0102030405060708n]);

  // gzip: the body reads after gunzip; gzip bytes differ between implementations, so ours is
  // checked by its bit and its inflated content.
  const gz = hex(frames.gzipRequest);
  const gh = parseHeader(gz);
  assert.ok(gh.gzip);
  assert.deepEqual({ ...readMeta(gz, META_START, META_START + gh.metaLength) }, { M_p: 's' });
  assert.deepEqual(call.codec.readArgs(bodyReader(gz, META_START + gh.metaLength + 4, 1 << 20)), ['Ray']);
  const ours = encodeRequest(w, call, 0, 3, ['Ray'], 1000, {}, 0);
  const oh = parseHeader(ours);
  assert.ok(oh.gzip);
  assert.equal(gunzipSync(ours.subarray(META_START + oh.metaLength + 4)).toString('hex'), simple.multiRay);
});

test('§4.3 live captures: decoded, and re-encoded byte for byte in their meta order', () => {
  for (const [name, h] of Object.entries(captures)) {
    const frame = hex(h);
    const head = parseHeader(frame);
    const { meta, body } = parts(frame);
    const again = encodeFrame(w, { msgType: head.msgType, status: head.status, serialization: head.serialization, requestId: head.requestId, meta, body });
    assert.equal(again.toString('hex'), h, name);
  }
  // clientdemo → serverdemo: stream id, the five meta keys motan-go sends, "Ray" → "hello Ray".
  const req = hex(captures.demoRequest);
  const rh = parseHeader(req);
  assert.equal(rh.requestId, 0x18ea26523e000003n);
  assert.deepEqual({ ...readMeta(req, META_START, META_START + rh.metaLength) }, {
    M_s: 'client-test', M_m: 'hello', M_pp: 'motan2', M_g: 'motan-demo-rpc', M_p: 'com.weibo.motan.demo.service.MotanDemoService',
  });
  assert.deepEqual(call.codec.readArgs(bodyReader(req, META_START + rh.metaLength + 4, 1 << 20)), ['Ray']);
  assert.equal(encodeValueResponse(w, 0x18ea2652, 0x3e000003, s, call.codec, 'hello Ray', 0).toString('hex'), captures.demoResponse);
  assert.equal(decodeResponse(hex(captures.demoResponse), call, serializations, 1 << 20), 'hello Ray');
});

test('§4.3 agent traffic: proxy-bit responses, serialization 0 errors, proxied requests with M_rid', () => {
  // The agent's response has the proxy bit and an extra meta key: read like any response.
  assert.equal(parseHeader(hex(captures.agentResponse)).msgType, 0x03);
  assert.equal(decodeResponse(hex(captures.agentResponse), call, serializations, 1 << 20), 'hello Ray');
  // Its error for an unknown service: status 1, serialization 0, errcode 400 "cluster not found".
  const err = hex(captures.agentError);
  assert.equal(parseHeader(err).serialization, 0);
  assert.throws(() => decodeResponse(err, call, serializations, 1 << 20), (e: unknown) =>
    RpcError.is(e, Code.ServiceNotFound) && e.status === 400 && /cluster not found/.test(e.message));
  const msg = 'cluster not found. cluster: cluster not found. service: no.such.Service';
  assert.equal(encodeExceptionResponse(w, 0, 5, 0, { errcode: 400, errmsg: msg, errtype: 1 }, 0, MsgType.PROXY).toString('hex'), captures.agentError);

  // What an app behind the agent receives: proxy bit, the agent's stream id on the wire, the
  // caller's id 0xabc in M_rid as a signed decimal.
  const p = hex(captures.proxiedRequest);
  const ph = parseHeader(p);
  assert.deepEqual([ph.proxy, ph.response, ph.requestId], [true, false, 0x18ea2659dc100004n]);
  const meta = readMeta(p, META_START, META_START + ph.metaLength);
  assert.equal(meta.M_rid, '2748');
  assert.equal(parseRequestIdMeta(meta.M_rid), 0xabcn);
  assert.equal(requestIdMeta(0xffffffffffffffffn), '-1');
  assert.equal(parseRequestIdMeta('-1'), 0xffffffffffffffffn);
  assert.equal(parseRequestIdMeta('x1'), undefined);
});

test('our requests: the meta keys Java and motan-go send, M_tmo, attachments, proxy bit and M_rid on demand', () => {
  const Demo = defineService({
    interface: 'com.weibo.motan.demo.service.MotanDemoService',
    group: 'motan-demo-rpc',
    methods: { hello: { params: [t.string], returns: t.string }, ping: { params: [], oneway: true } },
  });
  const prepared = prepareCall(Demo, Demo.methods.get('hello')!, s, 'node-app');
  const frame = encodeRequest(w, prepared, 0, 0x1234, ['Ray'], 2500, { traceId: 'abc', bad: 'a\nb' }, Infinity);
  const { meta, body } = parts(frame);
  assert.deepEqual(meta, [
    ['M_p', 'com.weibo.motan.demo.service.MotanDemoService'], ['M_m', 'hello'], ['M_md', 'java.lang.String'],
    ['M_g', 'motan-demo-rpc'], ['M_v', '1.0'], ['M_s', 'node-app'], ['M_pp', 'motan2'], ['M_tmo', '2500'], ['traceId', 'abc'],
  ]);
  assert.equal(body.toString('hex'), simple.multiRay);
  assert.equal(frame.subarray(0, 13).toString('hex'), 'f1f1000830' + '0000000000001234');
  assert.notEqual(frame[frame.length - body.length - 5], 0x0a, 'no trailing newline before the body size');

  const proxied = encodeRequest(w, prepared, 0, 1, ['Ray'], 100, {}, Infinity, { originalRequestId: 0xabcn });
  assert.equal(proxied[2], MsgType.PROXY);
  assert.equal(parts(proxied).meta.at(-1)?.join('='), 'M_rid=2748');

  const oneway = prepareCall(Demo, Demo.methods.get('ping')!, serializations.breeze, undefined);
  const o = encodeRequest(w, oneway, 0, 1, [], 100, {}, Infinity);
  assert.deepEqual([o[2], o[4]], [MsgType.ONEWAY, 8 << 3]);
  assert.equal(parts(o).meta.find(([k]) => k === 'M_md')?.[1], 'void');
  assert.equal(parts(o).body.length, 0);
});
