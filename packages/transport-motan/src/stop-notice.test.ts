// `motan2({ stopNotice })`: how long a stopping provider still serves new requests before refusing
// them (callers behind a slow registry need longer than the 1 s default; 0 refuses at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, createMeshlet } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { RawPeer, Slow, slowRequest } from './wire.fixture.js';

/** Stops a provider with one slow call in flight (the connection stays open), then sends a request at once. */
async function lateRequestStatus(stopNotice: number): Promise<{ status: number; started: number }> {
  const mesh = createMeshlet({ protocols: [motan2({ stopNotice })], server: { host: '127.0.0.1', port: 0 } });
  let started = 0;
  mesh.provide(Slow, { sleep: (ms) => (started++, new Promise((r) => setTimeout(() => r('slept'), ms))) });
  await mesh.start();
  const peer = await RawPeer.connect(mesh.address()!.port);
  try {
    peer.send(slowRequest(1, 3000));
    for (const end = Date.now() + 10_000; started === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    assert.equal(started, 1, 'the provider started the first call');
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
  return { status: late[3]! & 0x07, started };
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

test('stopNotice must be a non-negative number', () => {
  for (const stopNotice of [-1, Number.NaN]) {
    assert.throws(() => motan2({ stopNotice }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /stopNotice/.test((e as Error).message));
  }
});
