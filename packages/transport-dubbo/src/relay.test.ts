// The relay codec on real frames from this transport's own encoders: what a relay (Meshlet's agent)
// reads to route, how it rewrites ids and headers (bodies untouched), its error replies and stop signal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, defineService, InboundKind, RpcError, t, type Invocation, type RelayCall, type RelayCodec, type RelayDirection, type RelayRequestInfo } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { DubboRelay } from './relay.js';
import { readRequestHead, RequestEncoder } from './request.js';

/** A call in transit as the agent holds one (`Invocation.relay`). */
function relayCall(codec: RelayCodec, frame: Buffer, info: RelayRequestInfo, direction: RelayDirection): RelayCall {
  return { codec, frame, info, direction, deadline: Date.now() + 1000, sent: false };
}

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
    const req = relayCall(relay, frame, relay.inspect(frame), 'egress');
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

// On stop the agent tells app connections to send nothing new, in the words their clients know.
describe('stop signals', () => {
  test('Dubbo: the read-only event, which a Dubbo client channel takes as GoAway', () => {
    const frame = Buffer.from(new DubboRelay().goAway());
    assert.equal(new DubboRelay().clientCodec().classify(frame), InboundKind.GoAway);
  });
});
