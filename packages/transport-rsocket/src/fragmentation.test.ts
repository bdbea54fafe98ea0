import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Code, RpcError, defineService, endpoint, t, type Meshlet } from '@meshlet/core';
import type { Channel } from './channel.js';
import { RSocketProtocolClient } from './client.js';
import { COMPOSITE_MIME, ROUTING_MIME, encodeEntry, encodeRoute } from './composite-metadata.js';
import { errorFromFrame } from './errors.js';
import { libClient, libServer } from './lib-transport.fixture.js';
import { rsocket } from './protocol.js';
import { Flag, FrameType, SingleCtor, type Frame, type Payload, type ReceivedPayload } from './rsocket-lib.js';
import { consumer, provider, until } from './testing.fixture.js';

const MiB = 1024 * 1024;

const Big = defineService({
  interface: 'com.meshlet.test.Big',
  methods: {
    echo: { params: [t.string], returns: t.string },
    bytes: { params: [t.bytes], returns: t.bytes },
    chunks: { params: [t.int32, t.int32], returns: t.string, stream: true },
  },
});
const impl = {
  echo: (s: string) => s,
  bytes: (b: Uint8Array) => Buffer.from(b).reverse(),
  async *chunks(n: number, size: number) {
    for (let i = 0; i < n; i++) yield String(i % 10).repeat(size);
  },
};

const open: Meshlet[] = [];
const closers: (() => void)[] = [];
after(async () => {
  for (const c of closers) c();
  await Promise.all(open.map((m) => m.stop(0)));
});

/** Bytes whose order a reversal or a misplaced fragment would show. */
function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 8)) & 0xff;
  return b;
}

test('Meshlet to Meshlet: a 17 MiB request and result (over the 24-bit frame length) travel as fragments', async () => {
  const limit = 24 * MiB;
  const p = await provider([[Big, impl]], { server: { host: '127.0.0.1', port: 0, maxFrameSize: limit } });
  const c = consumer({ client: { maxFrameSize: limit } });
  open.push(p.mesh, c);
  const ref = c.refer(Big, { url: p.url, timeout: 60_000 });
  const s = 'ab'.repeat(17 * MiB / 2 + 5);
  assert.equal(await ref.echo(s), s);
  assert.equal(await ref.echo('small after'), 'small after');
});

test('Meshlet to Meshlet with 1 KiB fragments: bytes, and stream items, each cut in hundreds of fragments', async () => {
  const p = await provider([[Big, impl]], { rsocket: { fragmentSize: 1024 } });
  const c = consumer({ rsocket: { fragmentSize: 1024 } });
  open.push(p.mesh, c);
  const ref = c.refer(Big, { url: p.url, timeout: 30_000 });
  const b = pattern(300_000);
  assert.deepEqual(Buffer.from(await ref.bytes(b)), Buffer.from(b).reverse());
  const items: string[] = [];
  for await (const item of ref.chunks(20, 50_000)) items.push(item);
  assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => String(i % 10).repeat(50_000)));
});

test('fragmentSize is checked: an integer from 64 to 16 MiB - 1', () => {
  for (const bad of [63, 1.5, 16 * MiB, Number.NaN]) {
    assert.throws(() => rsocket({ fragmentSize: bad }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  }
  rsocket({ fragmentSize: 64 });
});

test('interop: Meshlet consumer against rsocket-core\'s responder and reassembly, fragments both ways', async () => {
  // The library echoes the request's data (JSON text) back as the result: echo(s) returns s.
  const lib = await libServer({
    requestResponse: (payload: ReceivedPayload) => new SingleCtor<Payload>((sink) => {
      sink.onSubscribe();
      sink.onComplete({ data: payload.data, metadata: null });
    }),
  }, 2048);
  closers.push(lib.close);
  const c = consumer({ rsocket: { fragmentSize: 4096 } });
  open.push(c);
  const ref = c.refer(Big, { url: `127.0.0.1:${lib.port}`, timeout: 30_000 });
  const s = 'xyz'.repeat(100_000);
  assert.equal(await ref.echo(s), s);
  const conn = lib.conns[0]!;
  // What the library received was fragments of ours, reassembled by its ReassemblyDuplexConnection;
  // what it sent, fragments of its transport's, reassembled by ours.
  const inbound = conn.received.filter((f) => f.streamId !== 0);
  assert.equal(inbound[0]!.type, FrameType.REQUEST_RESPONSE);
  assert.ok(inbound.length > 70, `${inbound.length} fragments in`);
  assert.ok(inbound.slice(0, -1).every((f) => (f.flags & Flag.FOLLOWS) !== 0));
  assert.equal(inbound.at(-1)!.flags & Flag.FOLLOWS, 0);
  const outbound = conn.sent.filter((f) => f.streamId !== 0);
  assert.ok(outbound.length > 140, `${outbound.length} fragments out`);
});

/** rsocket-core's requester (over the library's framing, fragmenting at `size`) to a Meshlet provider. */
async function libRequester(port: number, size: number) {
  const { socket, conn } = await libClient(port, size, COMPOSITE_MIME);
  closers.push(() => socket.close());
  const route = encodeEntry(ROUTING_MIME, encodeRoute('com.meshlet.test.Big.echo'));
  const call = (data: string) => new Promise<ReceivedPayload>((resolve, reject) =>
    socket.requestResponse({ data: Buffer.from(JSON.stringify(data)), metadata: route }).subscribe({ onComplete: resolve, onError: reject }));
  return { socket, conn, call, route };
}

test('interop: rsocket-core\'s requester sends fragmented requests to a Meshlet provider and reads its fragmented results', async () => {
  const p = await provider([[Big, impl]], { rsocket: { fragmentSize: 3000 } });
  open.push(p.mesh);
  const { conn, call } = await libRequester(p.port, 1500);
  const s = 'q'.repeat(200_000);
  const reply = await call(s);
  assert.equal(JSON.parse(Buffer.from(reply.data!).toString()), s);
  assert.ok(conn.sent.filter((f) => f.type === FrameType.PAYLOAD && (f.flags & Flag.FOLLOWS) !== 0).length > 100, 'the request went as fragments');
  assert.ok(conn.received.filter((f) => (f.flags & Flag.FOLLOWS) !== 0).length > 60, 'the result came as fragments');
});

test('a fragmented request over the provider\'s limit fails alone with FRAME_TOO_LARGE; the connection carries on', async () => {
  const p = await provider([[Big, impl]], { server: { host: '127.0.0.1', port: 0, maxFrameSize: 100_000 } });
  open.push(p.mesh);
  const { call } = await libRequester(p.port, 8192);
  const err = await call('z'.repeat(300_000)).then(() => undefined, (e: unknown) => errorFromFrame(e, 'test'));
  assert.ok(RpcError.is(err, Code.FrameTooLarge), String(err));
  const reply = await call('still here');
  assert.equal(JSON.parse(Buffer.from(reply.data!).toString()), 'still here');
});

test('a call that times out mid-reassembly of its result sends CANCEL and holds nothing; late fragments are dropped', async () => {
  const lib = await libServer({
    // Never answers by itself: the test writes the result's fragments by hand.
    requestResponse: () => new SingleCtor<Payload>((sink) => sink.onSubscribe()),
  }, 1 << 20);
  closers.push(lib.close);
  const client = new RSocketProtocolClient(endpoint('rsocket', '127.0.0.1', lib.port), {}, { fragmentSize: 4096 });
  const method = Big.methods.get('echo')!;
  const call = client.invoke({ service: Big, method, args: ['hello'], attachments: {}, deadline: Date.now() + 1500 });
  await until(() => lib.conns[0]?.received.some((f) => f.type === FrameType.REQUEST_RESPONSE) === true, 10_000);
  const conn = lib.conns[0]!;
  const streamId = conn.received.find((f) => f.type === FrameType.REQUEST_RESPONSE)!.streamId;
  const fragment = (flags: number, n: number) => ({ type: FrameType.PAYLOAD, flags, streamId, data: Buffer.alloc(n, 0x61), metadata: null }) as Frame;
  for (let i = 0; i < 5; i++) conn.sendRaw(fragment(Flag.NEXT | Flag.FOLLOWS, 50_000));
  const ours = (client as unknown as { channel: Channel }).channel.current!.conn;
  await until(() => ours.reassemblyBytes >= 250_000, 10_000);
  await assert.rejects(call, (e: unknown) => RpcError.is(e, Code.Timeout));
  await until(() => conn.received.some((f) => f.type === FrameType.CANCEL && f.streamId === streamId), 10_000);
  assert.equal(ours.reassemblyBytes, 0);
  // The peer's fragments still in flight, and its last one, are dropped as they come.
  for (let i = 0; i < 3; i++) conn.sendRaw(fragment(Flag.NEXT | Flag.FOLLOWS, 50_000));
  conn.sendRaw(fragment(Flag.NEXT | Flag.COMPLETE, 10));
  // A call after them is answered on the same connection (the peer answers it by hand too).
  const next = client.invoke({ service: Big, method, args: ['again'], attachments: {}, deadline: Date.now() + 10_000 });
  await until(() => conn.received.filter((f) => f.type === FrameType.REQUEST_RESPONSE).length === 2, 10_000);
  const second = conn.received.filter((f) => f.type === FrameType.REQUEST_RESPONSE)[1]!.streamId;
  conn.sendRaw({ type: FrameType.PAYLOAD, flags: Flag.NEXT | Flag.COMPLETE, streamId: second, data: Buffer.from('"answered"'), metadata: null } as Frame);
  assert.equal(await next, 'answered');
  assert.equal(ours.reassemblyBytes, 0);
  assert.equal((client as unknown as { channel: Channel }).channel.current!.conn, ours, 'same connection');
  await client.close();
});
