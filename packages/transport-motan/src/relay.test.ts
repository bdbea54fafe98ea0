// The relay codec on real frames from this transport's own encoders: what a relay (Meshlet's agent)
// reads to route, how it rewrites ids and headers (bodies untouched), its error replies and stop signal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, RpcError, type RelayCall, type RelayCodec, type RelayDirection, type RelayRequestInfo } from '@meshlet/core';
import { Meta, MsgType } from './constants.js';
import { errorFromException } from './exception.js';
import { encodeFrame } from './frame.js';
import { parseHeader } from './header.js';
import { readMeta } from './meta.js';
import { MotanRelay } from './relay.js';
import { ByteWriter } from './wire/writer.js';

/** A call in transit as the agent holds one (`Invocation.relay`). */
function relayCall(codec: RelayCodec, frame: Buffer, info: RelayRequestInfo, direction: RelayDirection): RelayCall {
  return { codec, frame, info, direction, deadline: Date.now() + 1000, sent: false };
}

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
    const req = relayCall(relay, Buffer.from(frame), relay.inspect(frame), 'ingress');
    const out = relay.forward(req, 0, 77, undefined);
    const h = parseHeader(out);
    assert.ok(h.proxy);
    assert.equal(h.requestId, 77n);
    const meta = readMeta(out, 17, 17 + h.metaLength);
    assert.equal(meta[Meta.REQUEST_ID], '2748');
    assert.equal(meta[Meta.PATH], 'demo.Echo');
    assert.ok(out.subarray(out.length - body.length).equals(body));
    // Egress keeps the frame as it is, except for the id.
    const eg = relayCall(relay, Buffer.from(frame), relay.inspect(frame), 'egress');
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
