import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { ClientChannel, InboundKind, type ClientCodec } from './client-channel.js';
import { FrameReader, type FrameSplitter } from './frame-reader.js';
import { FrameServer, type ServerCodec, type ServerConnection } from './server.js';
import { configureEngine, engineLimits } from './options.js';
import { processBufferedBytes } from './connection.js';
import { Code, RpcError } from '../errors.js';

/** [len u32][id u32][payload]: the server echoes every frame back unchanged. */
const splitter: FrameSplitter = { headerLength: 8, frameLength: (b, o) => b.readUInt32BE(o) };
function encode(id: number, payload: Buffer): Buffer {
  const f = Buffer.allocUnsafe(8 + payload.length);
  f.writeUInt32BE(f.length, 0);
  f.writeUInt32BE(id, 4);
  payload.copy(f, 8);
  return f;
}

class EchoCodec implements ServerCodec {
  readonly splitter = splitter;
  requests = 0;
  onFrame(conn: ServerConnection, frame: Buffer): void {
    this.requests++;
    conn.write(Buffer.from(frame)); // a reply as large as the request
  }
  encodeGoAway(): undefined {
    return undefined;
  }
}

class EchoClientCodec implements ClientCodec<number, undefined> {
  readonly splitter = splitter;
  inboundId = 0;
  private id = 0;
  nextId() { return ++this.id; }
  classify(f: Buffer) { this.inboundId = f.readUInt32BE(4); return InboundKind.Response; }
  encodeHeartbeat(id: number) { return encode(id, Buffer.alloc(0)); }
  encodeHeartbeatReply() { return undefined; }
  decodeResponse(f: Buffer) { return f.length - 8; }
}

async function rawConnect(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  s.on('error', () => {});
  return s;
}

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => { clearTimeout(t); resolve(true); });
    socket.resume();
  });
}

test('a frame split into 64-byte chunks is gathered in linear time; one-chunk frames are views, not copies', () => {
  const reader = new FrameReader(splitter, 16 << 20);
  const big = encode(1, Buffer.alloc(8 << 20, 7));
  let got: Buffer | undefined;
  // Quadratic re-joining would copy ~2^36 bytes here and never finish within the test's timeout.
  for (let i = 0; i < big.length; i += 64) reader.push(big.subarray(i, i + 64), (f) => (got = Buffer.from(f)));
  assert.ok(got?.equals(big));
  assert.equal(reader.buffered, 0);

  const chunk = Buffer.concat([encode(2, Buffer.from('a')), encode(3, Buffer.from('bc'))]);
  const views: Buffer[] = [];
  reader.push(chunk, (f) => views.push(f));
  assert.equal(views.length, 2);
  for (const v of views) assert.equal(v.buffer, chunk.buffer, 'a frame inside one chunk is a view of it');
});

test('a client pipelining 300 × 1 MiB that never reads: the server stops reading, its queued bytes stay bounded, and all replies arrive once the client reads', { timeout: 60_000 }, async () => {
  const codec = new EchoCodec();
  const highWater = 2 << 20;
  const server = new FrameServer(codec, { host: '127.0.0.1', writeHighWater: highWater });
  const { port } = await server.listen();
  const client = await rawConnect(port);
  client.pause(); // never reads
  const mib = Buffer.alloc(1 << 20, 1);
  let written = 0;
  // Write as a careless client would: everything at once, as fast as our own socket takes it.
  const writeAll = (async () => {
    for (let i = 0; i < 300; i++) {
      if (!client.write(encode(i, mib))) {
        await new Promise<void>((r) => {
          const done = () => { client.off('drain', done); client.off('close', done); r(); };
          client.on('drain', done);
          client.on('close', done);
        });
      }
      if (client.destroyed) return;
      written++;
    }
  })();
  await new Promise((r) => setTimeout(r, 1500));
  const serverQueued = () => {
    let n = 0;
    for (const sc of (server as unknown as { connections: Set<ServerConnection> }).connections) n += sc.connection.socket.writableLength;
    return n;
  };
  const queued = serverQueued();
  // Bound: the high-water mark plus the replies to one read's worth of requests.
  assert.ok(queued <= highWater + 4 * (1 << 20), `server queued ${queued} bytes`);
  assert.ok(codec.requests < 200, `server read ${codec.requests} of 300 requests while its replies were not read`);
  assert.ok(written < 300, 'the client could not push everything: back-pressure reached it');

  // The client starts reading: every reply arrives, the server resumed.
  let replies = 0;
  const reader = new FrameReader(splitter, 4 << 20);
  const allIn = new Promise<void>((resolve) => client.on('data', (c: Buffer) => reader.push(c, () => { if (++replies === 300) resolve(); })));
  client.resume();
  await allIn;
  await writeAll;
  assert.equal(codec.requests, 300);
  client.destroy();
  await server.close(100);
});

test('a frame dripped one byte at a time is closed at the frame deadline; a steady stream of frames is not', { timeout: 20_000 }, async () => {
  // 1 s, not 400 ms: the steady peer below pauses 10 ms inside each frame, and a loaded machine
  // can stretch a pause by hundreds of ms. The drip still needs 4 s to finish its frame.
  const server = new FrameServer(new EchoCodec(), { host: '127.0.0.1', frameTimeout: 1000 });
  const { port } = await server.listen();
  const drip = await rawConnect(port);
  const frame = encode(1, Buffer.alloc(200));
  let i = 0;
  const timer = setInterval(() => { if (i < frame.length && !drip.destroyed) drip.write(frame.subarray(i, ++i)); }, 20);
  assert.equal(await closedWithin(drip, 4000), true, 'dripping peer closed');
  clearInterval(timer);
  assert.ok(i < frame.length);

  // Many frames in a row, each split across writes, for longer than the deadline: kept open.
  const steady = await rawConnect(port);
  const start = Date.now();
  let n = 0;
  while (Date.now() - start < 2500) {
    const f = encode(n++, Buffer.alloc(1000));
    steady.write(f.subarray(0, 500));
    await new Promise((r) => setTimeout(r, 10));
    steady.write(f.subarray(500));
  }
  assert.equal(steady.destroyed, false);
  assert.equal(await closedWithin(steady, 200), false, 'steady peer still open');
  steady.destroy();
  await server.close(100);
});

test('partial frames of all connections are capped per process: the connection that goes over is closed', { timeout: 20_000 }, async () => {
  const before = engineLimits.maxProcessBuffered;
  configureEngine({ maxProcessBuffered: 1 << 20 });
  const server = new FrameServer(new EchoCodec(), { host: '127.0.0.1' });
  const { port } = await server.listen();
  try {
    const peers: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await rawConnect(port);
      // 400 KiB of a 1 MiB frame, never finished.
      s.write(encode(i, Buffer.alloc(1 << 20)).subarray(0, 400 << 10));
      peers.push(s);
    }
    const closed = await Promise.all(peers.map((s) => closedWithin(s, 2000)));
    assert.ok(closed.some(Boolean), 'some connection closed');
    assert.ok(!closed.every(Boolean), 'those under the cap stay');
    assert.ok(processBufferedBytes() <= 1 << 20);
    for (const s of peers) s.destroy();
    // The server sees the closes when its loop gets to them (later on a loaded machine).
    for (const until = Date.now() + 3000; processBufferedBytes() !== 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processBufferedBytes(), 0, 'closed connections release their count');
  } finally {
    configureEngine({ maxProcessBuffered: before });
    await server.close(100);
  }
  assert.throws(() => configureEngine({ maxProcessBuffered: 0 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

test('a client refuses its own over-limit frame with FRAME_TOO_LARGE and the 64 calls beside it succeed', { timeout: 20_000 }, async () => {
  const server = new FrameServer(new EchoCodec(), { host: '127.0.0.1', maxFrameSize: 1 << 20 });
  const { port } = await server.listen();
  const codec = new EchoClientCodec();
  const channel = new ClientChannel(codec, { host: '127.0.0.1', port, maxFrameSize: 1 << 20 });
  const deadline = Date.now() + 10_000;
  const small = Array.from({ length: 64 }, () => {
    const id = codec.nextId();
    return channel.call(id, encode(id, Buffer.alloc(1024)), deadline, undefined);
  });
  const bigId = codec.nextId();
  const big = channel.call(bigId, encode(bigId, Buffer.alloc(9_000_000)), deadline, undefined);
  await assert.rejects(big, (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  assert.deepEqual(await Promise.all(small), Array(64).fill(1024));
  assert.equal(server.connectionCount, 1);
  await channel.close();
  await server.close(100);
});
