// `motan2({ stopNotice, stopRefusals })`: how long a stopping provider still serves new requests
// before refusing them (callers behind a slow registry need longer than the 1 s default; 0 refuses
// at once), and how many it refuses in a row per connection before serving, answered late, what
// is already on its way (callers drop an address after that many errors in a row).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { RawPeer, slowRequest, startSlowProvider } from './wire.fixture.js';

/** Stops a provider with one slow call in flight (the connection stays open), then sends a request at once. */
async function lateRequestStatus(stopNotice: number): Promise<{ status: number; started: number }> {
  const { mesh, port, started, untilStarted } = await startSlowProvider(motan2({ stopNotice }));
  const peer = await RawPeer.connect(port);
  try {
    peer.send(slowRequest(1, 3000));
    await untilStarted(1);
    const stopped = mesh.stop(20_000);
    peer.send(slowRequest(2, 1));
    await peer.untilClosed(30_000);
    await stopped;
  } finally {
    peer.close();
    await mesh.stop(0);
  }
  const late = peer.frames.find((f) => f.readBigUInt64BE(5) === 2n);
  assert.ok(late, `a reply to the late request among ${peer.frames.length} frames`);
  return { status: late[3]! & 0x07, started: started() };
}

test('stopNotice 10 s: a request right after the stop is still served', async () => {
  const r = await lateRequestStatus(10_000);
  assert.equal(r.status, 0, 'answered normally');
  assert.equal(r.started, 2);
});

test('stopNotice 0: a request right after the stop is refused, never run', async () => {
  const r = await lateRequestStatus(0);
  assert.equal(r.status, 1, 'an exception (the "provider stopping" refusal)');
  assert.equal(r.started, 1);
});

test('stopRefusals 3: the first 3 requests after the notice are refused, the next served and answered after them', async () => {
  const { mesh, port, started, untilStarted } = await startSlowProvider(motan2({ stopNotice: 0, stopRefusals: 3 }));
  const peer = await RawPeer.connect(port);
  try {
    peer.send(slowRequest(1, 3000)); // keeps the connection draining, so it refuses rather than closes
    await untilStarted(1);
    const stopped = mesh.stop(20_000);
    for (let id = 2; id <= 6; id++) peer.send(slowRequest(id, 1));
    await peer.untilClosed(30_000);
    await stopped;
  } finally {
    peer.close();
    await mesh.stop(0);
  }
  const order = peer.frames.map((f) => Number(f.readBigUInt64BE(5)));
  const status = new Map(peer.frames.map((f) => [Number(f.readBigUInt64BE(5)), f[3]! & 0x07]));
  assert.deepEqual([2, 3, 4, 5, 6].map((id) => status.get(id)), [1, 1, 1, 0, 0], 'three refusals, then two answers');
  assert.equal(started(), 3, 'the refused requests never reached the method');
  assert.ok(Math.max(order.indexOf(2), order.indexOf(3), order.indexOf(4)) < Math.min(order.indexOf(5), order.indexOf(6)), `refusals first: ${order}`);
});

test('stopNotice must be a non-negative number, stopRefusals a positive integer', () => {
  assert.throws(() => motan2({ stopRefusals: 0 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /stopRefusals/.test((e as Error).message));
  assert.throws(() => motan2({ stopRefusals: 2.5 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /stopRefusals/.test((e as Error).message));
  for (const stopNotice of [-1, Number.NaN]) {
    assert.throws(() => motan2({ stopNotice }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /stopNotice/.test((e as Error).message));
  }
});
