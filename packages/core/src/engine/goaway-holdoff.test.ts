// A provider that sent GoAway and then closed is stopping: its address sits out `goAwayHoldOff`
// before a call may connect again (Java's Dubbo 3.3.6 accepts and resets connections opened while
// it closes, losing the calls written on them). A close without GoAway reconnects on the next call.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { ClientChannel, InboundKind, type ClientCodec } from './client-channel.js';
import { FrameReader, type FrameSplitter } from './frame-reader.js';
import { Code, RpcError } from '../errors.js';

/** [len u32][kind u8][id u32][payload]; kind 0 request, 1 response, 4 GoAway. */
const splitter: FrameSplitter = { headerLength: 9, frameLength: (b, o) => b.readUInt32BE(o) };
function encode(kind: number, id: number, payload = ''): Buffer {
  const body = Buffer.from(payload);
  const f = Buffer.alloc(9 + body.length);
  f.writeUInt32BE(f.length, 0);
  f[4] = kind;
  f.writeUInt32BE(id, 5);
  body.copy(f, 9);
  return f;
}

class Codec implements ClientCodec<number, string> {
  readonly splitter = splitter;
  inboundId = 0;
  private id = 0;
  nextId() { return ++this.id; }
  classify(f: Buffer) {
    this.inboundId = f.readUInt32BE(5);
    return f[4] === 1 ? InboundKind.Response : f[4] === 4 ? InboundKind.GoAway : InboundKind.Ignore;
  }
  encodeHeartbeat(id: number) { return encode(2, id); }
  encodeHeartbeatReply() { return undefined; }
  decodeResponse(f: Buffer) { return f.subarray(9).toString(); }
}

/** Answers each request with its payload; `bye` (GoAway first) and `close` then end the connection. */
async function server() {
  let accepted = 0;
  const srv = createServer((socket: Socket) => {
    accepted++;
    socket.on('error', () => {});
    const reader = new FrameReader(splitter, 1 << 20);
    socket.on('data', (chunk) => reader.push(chunk, (f) => {
      const id = f.readUInt32BE(5);
      const payload = f.subarray(9).toString();
      if (payload === 'bye') socket.write(encode(4, 0));
      socket.write(encode(1, id, payload));
      if (payload === 'bye' || payload === 'close') socket.end();
    }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: (srv.address() as { port: number }).port, accepted: () => accepted };
}

async function until(what: string, ok: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const HOLD = 1500;

test('GoAway, then close: the address sits out the hold-off (calls fail fast, unsent), then connects again', async () => {
  const { srv, port, accepted } = await server();
  const codec = new Codec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port, goAwayHoldOff: HOLD });
  const call = (p: string) => { const id = codec.nextId(); return ch.call(id, encode(0, id, p), Date.now() + 10_000, ''); };
  try {
    assert.equal(await call('bye'), 'bye', 'the call in flight at the GoAway is answered');
    await until('the closed connection seen', () => !ch.isReady);
    const closedAt = Date.now();
    assert.equal(ch.available, false, 'unavailable during the hold-off');
    await assert.rejects(call('x'), (e: unknown) => RpcError.is(e, Code.Unavailable));
    assert.equal(accepted(), 1, 'no connection opened during the hold-off');
    await until('available again', () => ch.available);
    assert.ok(Date.now() - closedAt >= HOLD - 100, `available again after ${Date.now() - closedAt} ms`);
    assert.equal(await call('y'), 'y');
    assert.equal(accepted(), 2);
  } finally {
    await ch.close();
    srv.close();
  }
});

test('a close without GoAway: the next call connects again at once', async () => {
  const { srv, port, accepted } = await server();
  const codec = new Codec();
  const ch = new ClientChannel(codec, { host: '127.0.0.1', port, goAwayHoldOff: 60_000 });
  const call = (p: string) => { const id = codec.nextId(); return ch.call(id, encode(0, id, p), Date.now() + 10_000, ''); };
  try {
    assert.equal(await call('close'), 'close');
    await until('the closed connection seen', () => !ch.isReady);
    assert.equal(ch.available, true);
    assert.equal(await call('z'), 'z');
    assert.equal(accepted(), 2);
  } finally {
    await ch.close();
    srv.close();
  }
});
