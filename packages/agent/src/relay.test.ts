// The relay codecs on real frames from the transports' own encoders: what the agent reads to
// route, how it rewrites ids and headers (bodies untouched), and its error replies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, defineService, InboundKind, RpcError, t, type Invocation } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { buildFrame, CMD_REQUEST, crcValid, decodeHeaderMap, encodeHeaderMap, errorForStatus, parseFrame, TYPE_REQUEST, V1, V2_CRC } from '@meshlet/transport-bolt';
import { readRequestHead, RequestEncoder } from '@meshlet/transport-dubbo';
import { ByteWriter, encodeFrame, errorFromException, Meta, MsgType, parseHeader, readMeta } from '@meshlet/transport-motan';
import { BoltRelay } from './relay/bolt.js';
import { DubboRelay } from './relay/dubbo.js';
import { MotanRelay } from './relay/motan.js';
import { RelayRequest } from './relay/types.js';

const Echo = defineService({
  interface: 'demo.Echo',
  version: '2.0',
  group: 'blue',
  methods: { echo: { params: [t.string, t.int64], returns: t.string } },
});

function dubboRequest(): Buffer {
  const inv: Invocation = { service: Echo, method: Echo.methods.get('echo')!, args: ['héllo', 5n], attachments: { traceparent: 'x' }, deadline: Date.now() + 1000 };
  return new RequestEncoder(new HessianWriter(), 'caller').encode(0x01020304, 0x05060708, inv, 1500);
}

describe('Dubbo relay', () => {
  const relay = new DubboRelay();

  test('reads service, group, version, method and timeout; arguments skipped, not typed', () => {
    const frame = dubboRequest();
    assert.equal(relay.kind(frame), 'request');
    const info = relay.inspect(frame);
    assert.deepEqual(info.service, { interface: 'demo.Echo', version: '2.0', group: 'blue' });
    assert.equal(info.method, 'echo');
    assert.equal(info.timeoutMs, 1500);
    assert.equal(info.oneway, false);
    assert.equal(info.headers.traceparent, 'x');
    assert.deepEqual(relay.idOf(frame), [0x01020304, 0x05060708]);
  });

  test('forward: the id rewritten in place, then on a copy; extra attachments merged; the arguments\' bytes unchanged', () => {
    const frame = dubboRequest();
    const original = Buffer.from(frame);
    const req = new RelayRequest(relay, frame, relay.inspect(frame), 'egress', Date.now() + 1000);
    const first = relay.forward(req, 0, 42, undefined);
    assert.equal(first, frame, 'in place');
    assert.equal(first.readBigUInt64BE(4), 42n);
    req.sent = true;
    const second = relay.forward(req, 0, 43, { tracestate: 'y' });
    assert.notEqual(second, frame);
    const r = new HessianReader(second, 16, second.length);
    const head = readRequestHead(r);
    assert.deepEqual([head.path, head.method], ['demo.Echo', 'echo']);
    assert.equal(r.readValue(), 'héllo');
    assert.equal(r.readValue(), 5n);
    const attachments = Object.fromEntries(r.readValue() as Map<string, string>);
    assert.equal(attachments.tracestate, 'y');
    assert.equal(attachments.group, 'blue');
    assert.equal(second.readInt32BE(12), second.length - 16, 'body length fixed up');
    assert.ok(second.subarray(16, req.info.attachmentsAt).equals(original.subarray(16, req.info.attachmentsAt)));
    const back = relay.restoreId(Buffer.from(second), 0x01020304, 0x05060708);
    assert.deepEqual(relay.idOf(back), [0x01020304, 0x05060708]);
  });

  test('undecodable or non-hessian requests are refused with typed errors; error replies carry MOSN\'s statuses', () => {
    const frame = dubboRequest();
    frame[2] = (frame[2]! & ~0x1f) | 3;
    assert.throws(() => relay.inspect(frame), (e: unknown) => RpcError.is(e, Code.Unsupported));
    const bad = Buffer.concat([dubboRequest().subarray(0, 16), Buffer.from([0xff, 0xff])]);
    bad.writeInt32BE(2, 12);
    assert.throws(() => relay.inspect(bad), (e: unknown) => RpcError.is(e, Code.BadRequest));
    const reply = Buffer.from(relay.errorReply(frame, 1, 2, new RpcError(Code.Unavailable, 'no provider')));
    assert.equal(reply[3], 60);
    assert.equal(reply.readBigUInt64BE(4), (1n << 32n) | 2n);
    assert.match(String(new HessianReader(reply, 16, reply.length).readValue()), /meshlet agent: no provider/);
  });
});

describe('Bolt relay', () => {
  const relay = new BoltRelay();
  const header = encodeHeaderMap([['service', 'demo.Echo:2.0:blue'], ['sofa_head_method_name', 'echo'], ['rpc_trace_context.sofaTraceId', 't1']]);
  const content = Buffer.from('opaque hessian content');
  const cls = Buffer.from('com.alipay.sofa.rpc.core.request.SofaRequest');

  test('routes on the service header; v2 frames with a CRC keep a valid CRC through id rewrites', () => {
    const frame = buildFrame(V2_CRC, TYPE_REQUEST, CMD_REQUEST, 7, 1, 900, cls, header, content);
    const info = relay.inspect(frame);
    assert.deepEqual(info.service, { interface: 'demo.Echo', version: '2.0', group: 'blue' });
    assert.deepEqual([info.method, info.timeoutMs, info.oneway], ['echo', 900, false]);
    const req = new RelayRequest(relay, Buffer.from(frame), info, 'egress', Date.now() + 1000);
    const out = relay.forward(req, 0, 99, undefined);
    assert.equal(parseFrame(out).id, 99);
    assert.ok(crcValid(out));
    const withExtra = relay.forward(req, 0, 100, { traceparent: '00-abc' });
    const f = parseFrame(withExtra);
    assert.equal(decodeHeaderMap(withExtra, f.headerStart, f.headerStart + f.headerLength).traceparent, '00-abc');
    assert.ok(withExtra.subarray(f.contentStart, f.contentStart + f.contentLength).equals(content));
    assert.ok(crcValid(withExtra));
    assert.ok(crcValid(relay.restoreId(withExtra, 0, 7)));
  });

  test('no service header: BAD_REQUEST; error replies are statuses the clients map back', () => {
    const frame = buildFrame(V1, TYPE_REQUEST, CMD_REQUEST, 7, 1, -1, cls, encodeHeaderMap([['x', 'y']]), content);
    assert.throws(() => relay.inspect(frame), /without a `service` header/);
    const reply = relay.errorReply(frame, 0, 7, new RpcError(Code.Unavailable, 'no provider'));
    const f = parseFrame(Buffer.from(reply));
    assert.equal(f.id, 7);
    assert.equal(errorForStatus(f.status, undefined).code, Code.Unavailable);
  });
});

describe('Motan2 relay', () => {
  const relay = new MotanRelay();
  const w = new ByteWriter();
  const body = Buffer.from([0x30, 1, 2, 3]);
  const request = (meta: [string, string][]) => encodeFrame(w, { msgType: 0, serialization: 6, requestId: 0xabcn, meta, body });

  test('routes on M_p / M_g / M_v with Motan\'s defaults folded in', () => {
    const info = relay.inspect(request([[Meta.PATH, 'demo.Echo'], [Meta.METHOD, 'echo'], [Meta.GROUP, 'default_rpc'], [Meta.TIMEOUT, '700']]));
    assert.deepEqual(info.service, { interface: 'demo.Echo', version: '1.0', group: undefined });
    assert.deepEqual([info.method, info.timeoutMs], ['echo', 700]);
    assert.throws(() => relay.inspect(request([[Meta.METHOD, 'echo']])), /without M_p/);
  });

  test('to a local app: the proxy bit and the caller\'s id as M_rid; the body untouched', () => {
    const frame = request([[Meta.PATH, 'demo.Echo'], [Meta.METHOD, 'echo']]);
    const req = new RelayRequest(relay, Buffer.from(frame), relay.inspect(frame), 'ingress', Date.now() + 1000);
    const out = relay.forward(req, 0, 77, undefined);
    const h = parseHeader(out);
    assert.ok(h.proxy);
    assert.equal(h.requestId, 77n);
    const meta = readMeta(out, 17, 17 + h.metaLength);
    assert.equal(meta[Meta.REQUEST_ID], '2748');
    assert.equal(meta[Meta.PATH], 'demo.Echo');
    assert.ok(out.subarray(out.length - body.length).equals(body));
    // Egress keeps the frame as it is, except for the id.
    const eg = new RelayRequest(relay, Buffer.from(frame), relay.inspect(frame), 'egress', Date.now() + 1000);
    const plain = relay.forward(eg, 0, 78, undefined);
    assert.equal(plain.length, frame.length);
    assert.equal(parseHeader(plain).proxy, false);
  });

  test('error replies: M_e the clients type back', () => {
    const frame = request([[Meta.PATH, 'demo.Echo'], [Meta.METHOD, 'echo']]);
    const reply = Buffer.from(relay.errorReply(frame, 0, 0xabc, new RpcError(Code.Unavailable, 'no provider')));
    const h = parseHeader(reply);
    assert.ok(h.response);
    assert.equal(h.requestId, 0xabcn);
    assert.equal(errorFromException(readMeta(reply, 17, 17 + h.metaLength)[Meta.EXCEPTION]).code, Code.Unavailable);
    assert.equal(relay.kind(encodeFrame(w, { msgType: MsgType.HEARTBEAT, serialization: 6, requestId: 1n })), 'heartbeat');
  });
});

// On stop the agent tells app connections to send nothing new, in the words their clients know.
describe('stop signals', () => {
  test('Dubbo: the read-only event, which a Dubbo client channel takes as GoAway', () => {
    const frame = Buffer.from(new DubboRelay().goAway());
    assert.equal(new DubboRelay().clientCodec().classify(frame), InboundKind.GoAway);
  });

  test('Bolt: MOSN\'s GoAway only when enabled (Java Bolt does not know it)', () => {
    assert.equal(new BoltRelay().goAway(), undefined);
    const frame = Buffer.from(new BoltRelay({ goAway: true }).goAway()!);
    assert.equal(new BoltRelay().clientCodec().classify(frame), InboundKind.GoAway);
  });

  test('Motan2: no frame; new requests refused as "provider stopping", which a Meshlet client reads as SHUTDOWN', () => {
    const relay = new MotanRelay();
    assert.equal(relay.goAway(), undefined);
    const w = new ByteWriter();
    const request = encodeFrame(w, { msgType: 0, serialization: 8, requestId: 0x1234n, meta: [[Meta.PATH, 'demo.Echo']] });
    const reply = Buffer.from(relay.stoppingReply(request, 0, 0x1234));
    const h = parseHeader(reply);
    assert.deepEqual([h.response, h.requestId, h.serialization], [true, 0x1234n, 8]);
    const error = errorFromException(readMeta(reply, 17, 17 + h.metaLength)[Meta.EXCEPTION]);
    assert.equal(error.code, Code.Shutdown);
    assert.equal(error.status, undefined, 'no peer status: the app sets the address aside');
  });

  test('Motan2 upstream: a stopping provider\'s refusal is the agent\'s SHUTDOWN (failed over), other exceptions are relayed', () => {
    const relay = new MotanRelay();
    const codec = relay.clientCodec();
    const request = encodeFrame(new ByteWriter(), { msgType: 0, serialization: 6, requestId: 9n, meta: [[Meta.PATH, 'demo.Echo']] });
    const refusal = Buffer.from(relay.stoppingReply(request, 0, 9));
    assert.throws(() => codec.decodeResponse(refusal, null), (e: unknown) => RpcError.is(e, Code.Shutdown));
    const busy = Buffer.from(relay.errorReply(request, 0, 9, new RpcError(Code.ServerBusy, 'busy')));
    assert.ok(Buffer.isBuffer(codec.decodeResponse(busy, null)), 'relayed as the frame it is');
  });
});
