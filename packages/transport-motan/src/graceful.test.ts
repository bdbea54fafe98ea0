import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { Slow, slowRequest } from './wire.fixture.js';
import { SERVER_CLOSE_LINGER } from './constants.js';

// motan-go's client fails its pending calls when it reads the close, even those whose replies came
// in the same read (test/fleet/motan-go.test.js, "Meshlet provider stopped while motan-go waits":
// 53 of 64 lost before the linger). A stopping provider keeps drained connections open a while.
test('graceful stop: the reply goes out, and the connection closes only after the linger', async () => {
  const mesh = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
  let started = 0;
  mesh.provide(Slow, { sleep: (ms) => (started++, new Promise((r) => setTimeout(() => r('slept'), ms))) });
  await mesh.start();
  const sock = connect(mesh.address()!.port, '127.0.0.1');
  await once(sock, 'connect');
  let replied = 0;
  let got = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
    if (got.length >= 21 && replied === 0) replied = performance.now();
  });
  const closed = once(sock, 'close').then(() => performance.now());
  const sent = performance.now();
  sock.write(slowRequest(1, 200));
  // In flight at the provider before the stop (a fixed 50 ms could end before it read the request).
  for (const end = Date.now() + 10_000; started === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
  assert.equal(started, 1, 'the provider started the call');
  const stopped = mesh.stop(5000);
  const at = await closed;
  await stopped;
  assert.ok(replied > 0, 'the in-flight call was answered');
  assert.equal(got[2], 0x01);
  assert.equal(got.readBigUInt64BE(5), 1n);
  // The reply leaves at least 200 ms after the request was sent, the close a linger after that.
  // Measured from the send, load can only make it longer (the few ms are timer granularity); from
  // the reply as this process saw it, a reply seen late could make the close look early.
  assert.ok(at - sent >= 200 + SERVER_CLOSE_LINGER - 5, `closed ${(at - sent).toFixed(0)} ms after the request was sent (${(at - replied).toFixed(0)} ms after the reply was read)`);
});
