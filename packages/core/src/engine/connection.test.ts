import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { Connection } from './connection.js';
import type { FrameSplitter } from './frame-reader.js';

/** [len u32][payload]. */
const splitter: FrameSplitter = { headerLength: 4, frameLength: (b, o) => b.readUInt32BE(o) };

function frame(size: number, fill: number): Buffer {
  const f = Buffer.alloc(size, fill);
  f.writeUInt32BE(size, 0);
  return f;
}

async function pair(): Promise<{ near: Socket; far: Socket; close(): void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const near = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  await once(near, 'connect');
  const [far] = (await accepted) as [Socket];
  return { near, far, close: () => { near.destroy(); far.destroy(); server.close(); } };
}

test('frames written in one tick leave as one socket write (small ones joined, large ones as they are), in order, byte for byte', async () => {
  const { near, far, close } = await pair();
  try {
    const conn = new Connection(near, splitter, 64 * 1024 * 1024);
    conn.start({ onFrame: () => {}, onClose: () => {} });
    let writes = 0;
    const write = near.write.bind(near);
    near.write = ((chunk: Uint8Array, ...rest: never[]) => { writes++; return write(chunk, ...rest); }) as typeof near.write;
    // Small frames around large ones, and more small bytes than one joined buffer takes.
    const sizes = [10, 1024, 20_000, 300, 300, 1_000_000, 5, ...Array.from({ length: 400 }, () => 1500), 70_000, 8];
    const frames = sizes.map((n, i) => frame(n, i & 0xff));
    const total = sizes.reduce((a, b) => a + b, 0);
    let received = Buffer.alloc(0);
    const all = new Promise<void>((resolve) => far.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (received.length >= total) resolve();
    }));
    for (const f of frames) conn.write(f);
    assert.equal(writes, 0, 'nothing is written before the tick ends');
    assert.ok(conn.congested === false);
    await all;
    assert.ok(received.equals(Buffer.concat(frames)), 'the peer reads every frame in order, unchanged');
    // One write per joined run or large frame, not one per frame.
    assert.ok(writes > 1 && writes < 20, `${writes} socket writes for ${frames.length} frames`);

    writes = 0;
    conn.write(frames[0]!);
    conn.write(frames[1]!);
    await new Promise((r) => setImmediate(r));
    assert.equal(writes, 1, 'two small frames of one tick: one joined write');
  } finally {
    close();
  }
});

test('bytes queued in this tick count toward congestion, so a caller looping synchronously is held back', async () => {
  const { near, far, close } = await pair();
  try {
    far.resume();
    const conn = new Connection(near, splitter, 64 * 1024 * 1024, { writeHighWater: 100_000 });
    conn.start({ onFrame: () => {}, onClose: () => {} });
    for (let i = 0; i < 60; i++) conn.write(frame(2000, 1));
    assert.equal(conn.congested, true, '120,000 bytes queued this tick are over a 100,000-byte mark');
    // Once the batch has left and the peer read it, drained() resolves.
    await conn.drained();
    assert.equal(conn.congested, false);
  } finally {
    close();
  }
});
