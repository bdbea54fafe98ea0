// The relay codec on real frames from this transport's own encoders: what a relay (Meshlet's agent)
// reads to route, how it rewrites ids and headers (bodies untouched), its error replies and stop signal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, InboundKind, RpcError, type RelayCall, type RelayCodec, type RelayDirection, type RelayRequestInfo } from '@meshlet/core';
import { buildFrame, crcValid, parseFrame, V1, V2_CRC } from './frame.js';
import { CMD_REQUEST, TYPE_REQUEST } from './constants.js';
import { decodeHeaderMap, encodeHeaderMap } from './header-map.js';
import { BoltRelay } from './relay.js';
import { errorForStatus } from './status.js';

/** A call in transit as the agent holds one (`Invocation.relay`). */
function relayCall(codec: RelayCodec, frame: Buffer, info: RelayRequestInfo, direction: RelayDirection): RelayCall {
  return { codec, frame, info, direction, deadline: Date.now() + 1000, sent: false };
}

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
    const req = relayCall(relay, Buffer.from(frame), info, 'egress');
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

// On stop the agent tells app connections to send nothing new, in the words their clients know.
describe('stop signals', () => {
  test('Bolt: MOSN\'s GoAway only when enabled (Java Bolt does not know it)', () => {
    assert.equal(new BoltRelay().goAway(), undefined);
    const frame = Buffer.from(new BoltRelay({ goAway: true }).goAway()!);
    assert.equal(new BoltRelay().clientCodec().classify(frame), InboundKind.GoAway);
  });
});
