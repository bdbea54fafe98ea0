import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClientChannel, InboundKind, type ClientCodec } from './client-channel.js';
import { FrameReader, type FrameSplitter } from './frame-reader.js';
import { Code, RpcError } from '../errors.js';

/** A toy protocol: [len u32][kind u8][id u32][payload]; kind 0 request, 1 response, 2 ping, 3 pong. */
const splitter: FrameSplitter = { headerLength: 9, frameLength: (b, o) => b.readUInt32BE(o) };
function encode(kind: number, id: number, payload = Buffer.alloc(0)): Buffer {
  const f = Buffer.alloc(9 + payload.length);
  f.writeUInt32BE(f.length, 0);
  f[4] = kind;
  f.writeUInt32BE(id, 5);
  payload.copy(f, 9);
  return f;
}

class ToyCodec implements ClientCodec<number, string> {
  readonly splitter = splitter;
  inboundId = 0;
  private id = 0;
  pings = 0;
  nextId() { return ++this.id; }
  classify(f: Buffer) {
    this.inboundId = f.readUInt32BE(5);
    return f[4] === 1 ? InboundKind.Response : f[4] === 3 ? InboundKind.HeartbeatResponse : InboundKind.Ignore;
  }
  encodeHeartbeat(id: number) { this.pings++; return encode(2, id); }
  encodeHeartbeatReply() { return undefined; }
  decodeResponse(f: Buffer, ctx: unknown): unknown { return `${ctx}:${f.subarray(9).toString()}`; }
}

/** A server whose behaviour per request is chosen by the test. */
async function toyServer(onRequest: (socket: Socket, id: number, payload: string) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const reader = new FrameReader(splitter, 1 << 20);
    socket.on('data', (chunk) => reader.push(chunk, (f) => {
      if (f[4] === 0) onRequest(socket, f.readUInt32BE(5), f.subarray(9).toString());
      else if (f[4] === 2) socket.write(encode(3, f.readUInt32BE(5)));
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

function call(ch: ClientChannel<number, string>, codec: ToyCodec, payload: string, ms = 1000, signal?: AbortSignal) {
  const id = codec.nextId();
  return ch.call(id, encode(0, id, Buffer.from(payload)), Date.now() + ms, 'ctx', signal);
}

test('multiplexes, correlates out-of-order responses, times out, cancels', async () => {
  const { server, port } = await toyServer((socket, id, payload) => {
    if (payload === 'never') return;
    const delay = payload === 'slow' ? 50 : 0;
    setTimeout(() => socket.write(encode(1, id, Buffer.from(payload))), delay);
  });
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port });
  try {
    const [slow, fast] = await Promise.all([call(ch, codec, 'slow'), call(ch, codec, 'fast')]);
    assert.deepEqual([slow, fast], ['ctx:slow', 'ctx:fast']);
    await assert.rejects(call(ch, codec, 'never', 100), (e: unknown) => RpcError.is(e, Code.Timeout));
    const ac = new AbortController();
    const p = call(ch, codec, 'never', 5000, ac.signal);
    ac.abort();
    await assert.rejects(p, (e: unknown) => RpcError.is(e, Code.Cancelled));
    assert.equal(ch.pendingCount, 0);
  } finally {
    await ch.close();
    server.close();
  }
});

test('every pending call is settled when the connection drops; the next call reconnects', async () => {
  const { server, port, sockets } = await toyServer((socket, id, payload) => {
    if (payload === 'ok') socket.write(encode(1, id, Buffer.from(payload)));
  });
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port });
  try {
    const pending = [call(ch, codec, 'hang', 5000), call(ch, codec, 'hang', 5000)];
    await new Promise((r) => setTimeout(r, 50));
    for (const s of sockets) s.destroy();
    for (const p of pending) await assert.rejects(p, (e: unknown) => RpcError.is(e, Code.ConnectionClosed));
    assert.equal(await call(ch, codec, 'ok'), 'ctx:ok');
  } finally {
    await ch.close();
    server.close();
  }
});

test('an unreachable address fails with UNAVAILABLE, then fails fast while backing off', async () => {
  const { server, port } = await toyServer(() => {});
  await new Promise<void>((r) => server.close(() => r()));
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port, backoff: { initial: 5000 } });
  try {
    await assert.rejects(call(ch, codec, 'x'), (e: unknown) => RpcError.is(e, Code.Unavailable));
    assert.equal(ch.available, false);
    // A deadline far beyond the bound: a channel that waited for its next attempt instead of failing
    // fast would take seconds (and time out); 50 ms was a bound a loaded machine could miss.
    const t0 = Date.now();
    await assert.rejects(call(ch, codec, 'x', 10_000), (e: unknown) => RpcError.is(e, Code.Unavailable));
    assert.ok(Date.now() - t0 < 2000, `failed after ${Date.now() - t0} ms`);
  } finally {
    await ch.close();
  }
});

test('heartbeats after read silence; a peer silent past the idle timeout is dropped', async () => {
  let answerPings = true;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const reader = new FrameReader(splitter, 1 << 20);
    socket.on('error', () => {});
    socket.on('data', (chunk) => reader.push(chunk, (f) => {
      if (f[4] === 2 && answerPings) socket.write(encode(3, f.readUInt32BE(5)));
      if (f[4] === 0) socket.write(encode(1, f.readUInt32BE(5), Buffer.from('ok')));
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port, heartbeatInterval: 100, idleTimeout: 400 });
  try {
    await call(ch, codec, 'x');
    // Polled, not a fixed 450 ms: a loaded machine runs the 100 ms heartbeat timer late.
    for (const end = Date.now() + 10_000; codec.pings < 2 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    assert.ok(codec.pings >= 2, `pings sent: ${codec.pings}`);
    assert.ok(ch.isReady, 'answered pings keep the connection');
    // The server now reads nothing and answers nothing, pings included.
    answerPings = false;
    for (const s of sockets) s.pause();
    await assert.rejects(call(ch, codec, 'x', 5000), (e: unknown) => RpcError.is(e, Code.ConnectionClosed) && /silent/.test(e.message));
  } finally {
    await ch.close();
    server.close();
    for (const s of sockets) s.destroy();
  }
});

/** A server that answers `ok` requests, pings while `state.pings`, and never `hang`; counts connections. */
async function probedServer(state: { pings: boolean }) {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    const reader = new FrameReader(splitter, 1 << 20);
    socket.on('error', () => {});
    socket.on('data', (chunk) => reader.push(chunk, (f) => {
      if (f[4] === 2 && state.pings) socket.write(encode(3, f.readUInt32BE(5)));
      if (f[4] === 0 && f.subarray(9).toString() === 'ok') socket.write(encode(1, f.readUInt32BE(5), Buffer.from('ok')));
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => { server.close(); for (const s of sockets) s.destroy(); },
  };
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a call timing out with nothing read since it was sent probes with a heartbeat; silence closes the connection, its calls fail now, it reconnects in the background', async () => {
  const state = { pings: true };
  const srv = await probedServer(state);
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port: srv.port, probeTimeout: 300, backoff: { initial: 1000, jitter: 0 } });
  try {
    assert.equal(await call(ch, codec, 'ok'), 'ctx:ok');
    state.pings = false; // the peer goes silent: a black hole as far as this client can tell
    const started = Date.now();
    const long = call(ch, codec, 'hang', 20_000);
    await assert.rejects(call(ch, codec, 'hang', 200), (e: unknown) => RpcError.is(e, Code.Timeout));
    assert.equal(codec.pings, 1, 'one heartbeat asked');
    await assert.rejects(long, (e: unknown) => RpcError.is(e, Code.ConnectionClosed) && /presumed dead/.test(e.message));
    assert.ok(Date.now() - started < 10_000, `closed after ${Date.now() - started} ms, not at the 20 s deadline`);
    assert.equal(ch.available, false, 'not offered to new calls');
    const t0 = Date.now();
    await assert.rejects(call(ch, codec, 'ok', 5000), (e: unknown) => RpcError.is(e, Code.Unavailable));
    assert.ok(Date.now() - t0 < 500, 'a call meanwhile fails fast (never sent), it does not wait to connect');
    // No call asks for it: the channel reconnects by itself and is offered again.
    await until('reconnected in the background', () => ch.isReady && ch.available);
    assert.equal(srv.connections(), 2);
    assert.equal(await call(ch, codec, 'ok'), 'ctx:ok');
  } finally {
    await ch.close();
    srv.close();
  }
});

test('a peer that answers the heartbeat probe keeps its connection though a call timed out', async () => {
  const srv = await probedServer({ pings: true });
  const codec = new ToyCodec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port: srv.port, probeTimeout: 1000 });
  try {
    assert.equal(await call(ch, codec, 'ok'), 'ctx:ok');
    await assert.rejects(call(ch, codec, 'hang', 200), (e: unknown) => RpcError.is(e, Code.Timeout));
    assert.equal(codec.pings, 1);
    await new Promise((r) => setTimeout(r, 2500)); // past the probe timeout: the pong (loopback) arrived long before
    assert.ok(ch.isReady && ch.available);
    assert.equal(srv.connections(), 1);
    assert.equal(await call(ch, codec, 'ok'), 'ctx:ok');
  } finally {
    await ch.close();
    srv.close();
  }
});

test('a settled call keeps its value, context and resolvers from nothing while older calls are in flight', async () => {
  const { server, port } = await toyServer((socket, id, payload) => {
    if (payload !== 'never') socket.write(encode(1, id, Buffer.from(payload)));
  });
  /** Answers with an object (a WeakRef target), and sends an object as each call's context. */
  class ObjectCodec extends ToyCodec {
    override decodeResponse(f: Buffer, ctx: unknown) { return { text: `${ctx}:${f.subarray(9).toString()}` }; }
  }
  const codec = new ObjectCodec();
  const ch = new ClientChannel<number, unknown>(codec, { host: '127.0.0.1', port });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  try {
    // Queued first and never answered: the deadline queue's head stays here, so every call settled
    // behind it stays in the queue until this one's 30 s deadline.
    const never = ch.call(codec.nextId(), encode(0, codec.nextId(), Buffer.from('never')), Date.now() + 30_000, {});
    never.catch(() => {});
    // In a function of its own, so no variable of this one holds the last value.
    const settle = async (n: number): Promise<WeakRef<object>[]> => {
      const refs: WeakRef<object>[] = [];
      for (let i = 0; i < n; i++) {
        const id = codec.nextId();
        const context = { i };
        const value = await ch.call(id, encode(0, id, Buffer.from(`v${i}`)), Date.now() + 30_000, context) as { text: string };
        assert.equal(value.text, `[object Object]:v${i}`);
        refs.push(new WeakRef(value), new WeakRef(context));
      }
      return refs;
    };
    const refs = await settle(20);
    assert.equal(ch.pendingCount, 1);
    // WeakRef targets are held until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    const kept = refs.flatMap((r, i) => (r.deref() === undefined ? [] : [`${i % 2 ? 'context' : 'value'} ${i >> 1}`]));
    assert.deepEqual(kept, [], `still reachable: ${kept.join(', ')}`);
  } finally {
    await ch.close();
    server.close();
  }
});
