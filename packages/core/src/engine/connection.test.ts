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

test('adjacent frames (views of consecutive bytes of one buffer) leave as one view, not copied; scattered ones are joined', async () => {
  const { near, far, close } = await pair();
  try {
    const conn = new Connection(near, splitter, 64 * 1024 * 1024);
    conn.start({ onFrame: () => {}, onClose: () => {} });
    const chunks: Uint8Array[] = [];
    const write = near.write.bind(near);
    near.write = ((chunk: Uint8Array, ...rest: never[]) => { chunks.push(chunk); return write(chunk, ...rest); }) as typeof near.write;
    let received = Buffer.alloc(0);
    far.on('data', (d: Buffer) => { received = Buffer.concat([received, d]); });
    const receivedAll = async (n: number) => {
      for (let i = 0; i < 500 && received.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, n, 'every byte arrives');
    };

    // A codec carving consecutive frames from one buffer, as the Hessian writer does.
    const slab = Buffer.alloc(64 * 1024);
    const carve = (from: number, sizes: number[]) => sizes.map((n, i) => {
      const at = from + sizes.slice(0, i).reduce((a, b) => a + b, 0);
      slab.fill(i + 1, at, at + n);
      slab.writeUInt32BE(n, at);
      return slab.subarray(at, at + n);
    });
    const run = carve(0, [1100, 1100, 40, 1100]);
    for (const f of run) conn.write(f);
    await receivedAll(3340);
    assert.equal(chunks.length, 1, 'one write');
    assert.equal(chunks[0]!.buffer, slab.buffer, 'a view of the frames\' own memory, not a copy');
    assert.ok(received.equals(slab.subarray(0, 3340)));

    // Two runs (the codec moved to a new buffer): two views, in order, in one writev.
    chunks.length = 0;
    received = Buffer.alloc(0);
    const other = Buffer.from(carve(10_000, [500, 600]).map((f) => Buffer.from(f)).reduce((a, b) => Buffer.concat([a, b])));
    const second = [other.subarray(0, 500), other.subarray(500, 1100)];
    const first = carve(20_000, [700, 800]);
    for (const f of [...first, ...second]) conn.write(f);
    await receivedAll(2600);
    assert.deepEqual(chunks.map((c) => c.buffer === slab.buffer || c.buffer === other.buffer), [true, true]);
    assert.ok(received.equals(Buffer.concat([...first, ...second])));

    // Frames from separate allocations: joined into one buffer, as before.
    chunks.length = 0;
    received = Buffer.alloc(0);
    const scattered = [300, 301, 302, 303, 304, 305].map((n, i) => frame(n, i));
    for (const f of scattered) conn.write(f);
    await receivedAll(1815);
    assert.equal(chunks.length, 1);
    assert.ok(scattered.every((f) => f.buffer !== chunks[0]!.buffer || f.byteOffset !== chunks[0]!.byteOffset), 'a joined copy');
    assert.ok(received.equals(Buffer.concat(scattered)));
  } finally {
    close();
  }
});
