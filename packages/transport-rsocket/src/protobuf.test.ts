import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, RpcError, defineService, t, type Meshlet, type ServiceDefinition } from '@meshlet/core';
import { MIME_TYPE_MIME, ROUTING_MIME, encodeEntry, encodeMimeType, encodeRoute } from './composite-metadata.js';
import { errorFromFrame } from './errors.js';
import { methodCodec } from './payload-codec.js';
import { protobufMessage, protobufMethods } from './protobuf.js';
import { consumer, provider, rawClient, requestResponse } from './testing.fixture.js';

/** The contract file, as it sits in the source tree (dist/ holds only compiled code). */
const PROTO = fileURLToPath(new URL('../src/fixtures/echo.proto', import.meta.url));

/** Each side loads the .proto itself, as two separate services would. */
function contract() {
  const root = protobuf.loadSync(PROTO);
  return defineService({ interface: 'meshlet.test.Echo', methods: protobufMethods(root.lookupService('meshlet.test.Echo')) });
}

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

const providerImpl = {
  Echo: (req: Record<string, unknown>) => ({ ...req, length: (req.text as string).length }),
  async *Count(req: { count: number }) {
    for (let n = 1n; n <= BigInt(req.count); n++) yield { n: n * 1_000_000_000_000n };
  },
};

test('a .proto contract shared by consumer and provider: unary and server-streaming rpcs', async () => {
  const p = await provider([[contract(), providerImpl]]);
  const c = consumer();
  open.push(p.mesh, c);
  // protobufMethods() gives untyped specs: name the shapes at the call site.
  const echo = c.refer(contract() as ServiceDefinition, { url: p.url }) as unknown as {
    Echo(req: object): Promise<Record<string, unknown>>;
    Count(req: object): AsyncIterable<Record<string, unknown>>;
  };
  const blob = Buffer.from([0xff, 0x00, 0x80, 0xfe]);
  const reply = await echo.Echo({ text: 'héllo 😀', id: 9007199254740993n, blob, tags: JSON.parse('{"a":"1","__proto__":"p"}'), scores: [1.5, NaN] });
  assert.equal(reply.text, 'héllo 😀');
  assert.equal(reply.id, 9007199254740993n);
  assert.deepEqual(reply.blob, blob);
  assert.equal((reply.tags as Record<string, string>).a, '1');
  assert.equal((reply.tags as Record<string, string>)['__proto__'], 'p');
  assert.ok(Number.isNaN((reply.scores as number[])[1]));
  assert.equal(reply.length, 'héllo 😀'.length);
  const ticks: bigint[] = [];
  for await (const tick of echo.Count({ count: 3 })) ticks.push(tick.n as bigint);
  assert.deepEqual(ticks, [1_000_000_000_000n, 2_000_000_000_000n, 3_000_000_000_000n]);
});

test('messages built by reflection work the same; the Java class comes from java_package', async () => {
  const Point = new protobuf.Type('Point').add(new protobuf.Field('x', 1, 'sint64')).add(new protobuf.Field('label', 2, 'string'));
  new protobuf.Root().define('geo').add(Point);
  const P = protobufMessage<{ x: bigint; label: string }>(Point);
  const Geo = defineService({ interface: 'geo.Geo', methods: { mirror: { params: [P], returns: P } } });
  const p = await provider([[Geo, { mirror: (pt: { x: bigint; label: string }) => ({ x: -pt.x, label: pt.label }) }]]);
  const c = consumer();
  open.push(p.mesh, c);
  assert.deepEqual(await c.refer(Geo, { url: p.url }).mirror({ x: -(2n ** 63n) + 1n, label: 'far' }), { x: 2n ** 63n - 1n, label: 'far' });
  assert.equal(P.javaType, 'geo.Point');
  const echoRequest = contract().methods.get('Echo')!.params[0]!;
  assert.equal(echoRequest.javaType, 'com.meshlet.test.proto.EchoRequest');
});

test('protobuf on the wire: bare message bytes, named by a mime-type entry; undecodable bytes are BAD_REQUEST', async () => {
  const p = await provider([[contract(), providerImpl]]);
  open.push(p.mesh);
  const raw = await rawClient(p.port);
  const Req = protobuf.loadSync(PROTO).lookupType('meshlet.test.EchoRequest');
  const metadata = Buffer.concat([
    encodeEntry(ROUTING_MIME, encodeRoute('meshlet.test.Echo.Echo')),
    encodeEntry(MIME_TYPE_MIME, encodeMimeType('application/x-protobuf')),
  ]);
  const ok = await requestResponse(raw, { data: Buffer.from(Req.encode(Req.fromObject({ text: 'raw' })).finish()), metadata });
  const Reply = protobuf.loadSync(PROTO).lookupType('meshlet.test.EchoReply');
  assert.deepEqual(Reply.toObject(Reply.decode(ok.data!)), { text: 'raw', length: 3 });
  const bad = await requestResponse(raw, { data: Buffer.from([0x0a, 0xff, 0xff]), metadata }).then(() => undefined, (e: unknown) => errorFromFrame(e, 'p'));
  assert.equal(bad?.code, Code.BadRequest);
  assert.match(bad!.message, /cannot decode .*meshlet\.test\.EchoRequest/);
  const json = Buffer.concat([encodeEntry(ROUTING_MIME, encodeRoute('meshlet.test.Echo.Echo')), encodeEntry(MIME_TYPE_MIME, encodeMimeType('application/json'))]);
  const wrongType = await requestResponse(raw, { data: '{}', metadata: json }).then(() => undefined, (e: unknown) => errorFromFrame(e, 'p'));
  assert.equal(wrongType?.code, Code.Unsupported);
  raw.close();
});

test('protobuf contracts are checked on first use and when sent', async () => {
  const root = protobuf.loadSync(PROTO);
  const Req = protobufMessage(root.lookupType('meshlet.test.EchoRequest'));
  const Mixed = defineService({ interface: 'x.Y', methods: { m: { params: [Req, t.string], returns: Req } } });
  assert.throws(() => methodCodec(Mixed.methods.get('m')!), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /exactly one protobuf message/.test(e.message));
  const p = await provider([[contract(), providerImpl]]);
  const c = consumer();
  open.push(p.mesh, c);
  const echo = c.refer(contract() as ServiceDefinition, { url: p.url });
  await assert.rejects(echo.Echo({ scores: 'x' }), (e: unknown) => RpcError.is(e, Code.Serialization) && /scores: array expected/.test(e.message));
  await assert.rejects(c.refer(Mixed, { url: p.url }).m({}, 'x'), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  const clientStreaming = protobuf.parse('syntax="proto3"; message A {} service S { rpc Up (stream A) returns (A); }').root.lookupService('S');
  assert.throws(() => protobufMethods(clientStreaming), (e: unknown) => RpcError.is(e, Code.Unsupported));
});
