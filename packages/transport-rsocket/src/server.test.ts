import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Code, RpcError, currentCall, defineService, endpoint, t, type Meshlet } from '@meshlet/core';
import { MemoryRegistry, MemoryStore } from '@meshlet/registry';
import { ROUTING_MIME, encodeEntry, encodeRoute } from './composite-metadata.js';
import { errorFromFrame } from './errors.js';
import { MESHLET_MIME, encodePairs } from './meshlet-metadata.js';
import { RSocketProtocolClient } from './client.js';
import { rsocket } from './protocol.js';
import { consumer, provider, rawClient, rawSocket, requestResponse, sleep, until } from './testing.fixture.js';
import { fromRSocketUrl } from './url.js';

const User = t.object('com.meshlet.test.User', { id: t.int64, name: t.string, attrs: t.map(t.string, t.string), score: t.float64 });

const Demo = defineService({
  interface: 'com.meshlet.test.Demo',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.nullable(t.string) },
    add: { params: [t.int64, t.int64], returns: t.int64 },
    user: { params: [User], returns: User },
    bytes: { params: [t.bytes], returns: t.bytes },
    nothing: { params: [], returns: t.void },
    fire: { params: [t.string], oneway: true },
    fail: { params: [t.string], returns: t.void },
    sleep: { params: [t.int32], returns: t.string },
    budget: { params: [], returns: t.int64 },
    big: { params: [t.int32], returns: t.string },
    items: { params: [t.int32], returns: t.int32, stream: true },
  },
});

const fired: string[] = [];
/** Calls of `sleep` the provider has begun: tests stop it once a call is in flight there, not just sent. */
let sleepsStarted = 0;
const impl = {
  echo: (s: string) => s,
  add: (a: bigint, b: bigint) => a + b,
  user: (u: unknown) => u,
  bytes: (b: Uint8Array) => Buffer.from(b).reverse(),
  nothing: () => undefined,
  fire: (s: string) => void fired.push(s),
  fail: (m: string) => {
    throw Object.assign(new Error(m), { javaClass: 'java.lang.IllegalStateException' });
  },
  sleep: (ms: number) => (sleepsStarted++, new Promise<string>((r) => setTimeout(() => r('slept'), ms))),
  budget: () => BigInt(Math.round(currentCall()!.deadline - Date.now())),
  big: (n: number) => 'x'.repeat(n),
  async *items(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
};

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function setup(clientOptions: Parameters<typeof consumer>[0] = {}) {
  const p = await provider([[Demo, impl]]);
  const c = consumer(clientOptions);
  open.push(p.mesh, c);
  return { ...p, client: c.refer(Demo, { url: p.url, timeout: 5000 }), consumerMesh: c };
}

test('request-response carries every kind of value, binary bytes included', async () => {
  const { client } = await setup();
  assert.equal(await client.echo('héllo 😀𝄞'), 'héllo 😀𝄞');
  assert.equal(await client.echo(''), '');
  assert.equal(await client.add(9007199254740993n, 2n ** 62n), 9007199254740993n + 2n ** 62n);
  const u = { id: -(2n ** 63n), name: 'Zoë', attrs: new Map([['k', 'v'], ['__proto__', 'x']]), score: -0 };
  const back = await client.user(u);
  assert.deepEqual(back, u);
  assert.ok(Object.is((back as typeof u).score, -0));
  // Not UTF-8: 0.0.27 without BufferEncoders would throw on these bytes.
  assert.deepEqual(await client.bytes(Buffer.from([0xff, 0x00, 0xfe, 0x80])), Buffer.from([0x80, 0xfe, 0x00, 0xff]));
  assert.equal(await client.nothing(), undefined);
});

test('fire-and-forget resolves once sent; the provider runs it', async () => {
  const { client } = await setup();
  assert.equal(await client.fire('one-way'), undefined);
  await until(() => fired.includes('one-way'));
});

test('business failures arrive typed, with the Java class', async () => {
  const { client } = await setup();
  await assert.rejects(client.fail('boom 😀'), (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'boom 😀' && e.remoteClass === 'java.lang.IllegalStateException');
});

test('unknown services, methods and versions get clear errors', async () => {
  const { url, consumerMesh } = await setup();
  const Other = defineService({ interface: 'com.meshlet.test.Nope', methods: { x: { params: [], returns: t.void } } });
  await assert.rejects(consumerMesh.refer(Other, { url }).x(), (e: unknown) => RpcError.is(e, Code.ServiceNotFound) && /com\.meshlet\.test\.Nope/.test(e.message));
  const More = defineService({ interface: 'com.meshlet.test.Demo', version: '1.0', methods: { missing: { params: [], returns: t.void } } });
  await assert.rejects(consumerMesh.refer(More, { url }).missing(), (e: unknown) => RpcError.is(e, Code.MethodNotFound) && /missing/.test(e.message));
  await assert.rejects(consumerMesh.refer(Demo, { url, version: '2.0' }).echo('x'), (e: unknown) => RpcError.is(e, Code.ServiceNotFound) && /provided here: com\.meshlet\.test\.Demo:1\.0/.test(e.message));
});

test('deadlines: the caller times out, and the provider sees the remaining budget', async () => {
  const { url, consumerMesh } = await setup();
  const fast = consumerMesh.refer(Demo, { url, timeout: 150 });
  const t0 = Date.now();
  await assert.rejects(fast.sleep(2000), (e: unknown) => RpcError.is(e, Code.Timeout));
  assert.ok(Date.now() - t0 < 2000);
  const budget = await consumerMesh.refer(Demo, { url, timeout: 4000 }).budget();
  assert.ok(budget > 2000n && budget <= 4000n, String(budget));
});

test('raw requests: missing or malformed metadata, bad JSON, unknown routes, wrong interaction', async () => {
  const { port } = await setup();
  const raw = await rawClient(port);
  const fails = async (payload: Parameters<typeof requestResponse>[1], code: string, message: RegExp) => {
    const err = await requestResponse(raw, payload).then(() => undefined, (e: unknown) => errorFromFrame(e, 'test'));
    assert.ok(err, 'expected a failure');
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
  };
  const route = (r: string) => encodeEntry(ROUTING_MIME, encodeRoute(r));
  await fails({ data: '"x"', metadata: null }, Code.BadRequest, /route .* is required/);
  await fails({ data: '"x"', metadata: Buffer.from([0x05, 0x61]) }, Code.BadRequest, /malformed composite metadata/);
  await fails({ data: '{not json', metadata: route('com.meshlet.test.Demo.echo') }, Code.ServiceNotFound, /Demo/); // no version: not this export
  const version = encodeEntry(MESHLET_MIME, encodePairs([[':version', '1.0']]));
  const v = Buffer.concat([route('com.meshlet.test.Demo.echo'), version]);
  await fails({ data: '{not json', metadata: v }, Code.BadRequest, /cannot decode the arguments .*not JSON/);
  await fails({ data: '123', metadata: v }, Code.BadRequest, /expected a string/);
  await fails({ data: '"x"', metadata: route('nodots') }, Code.MethodNotFound, /routes are <interface>\.<method>/);
  const streamRoute = Buffer.concat([route('com.meshlet.test.Demo.items'), version]);
  await fails({ data: '3', metadata: streamRoute }, Code.Unsupported, /stream method: call it with request-stream/);
  // The connection survived all of that.
  const ok = await requestResponse(raw, { data: '"still here"', metadata: v });
  assert.equal(ok.data?.toString(), '"still here"');
  raw.close();
});

test('a peer error without our prefix (a Spring responder) is a business failure', () => {
  const e = errorFromFrame(Object.assign(new Error('x'), { source: { code: 0x201, message: 'No handler for destination \'a.b\'' } }), 'peer');
  assert.equal(e.code, Code.Business);
  assert.equal(e.message, "No handler for destination 'a.b'");
  assert.equal(errorFromFrame(Object.assign(new Error('x'), { source: { code: 0x202, message: 'busy' } }), 'p').code, Code.ServerBusy);
  assert.equal(errorFromFrame(new Error('RSocket: The connection was closed.'), 'p').code, Code.ConnectionClosed);
});

test('bad frames close that connection only; SETUP with unknown metadata types is rejected', async () => {
  const { port, client } = await setup();
  assert.equal(await client.echo('before'), 'before');
  for (const garbage of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0xff, 0xff, 0xff, 0x00]), Buffer.from([0, 0, 6, 0, 0, 0, 0, 0xfc, 0])]) {
    const s = await rawSocket(port);
    const closed = new Promise((r) => s.once('close', r));
    s.write(garbage);
    await closed;
  }
  const rejected = await rawClient(port, { metadataMimeType: 'text/plain' }).then(
    (sock) => requestResponse(sock, { data: '"x"', metadata: null }).then(() => 'answered', (e: unknown) => String((e as Error).message)),
    (e: unknown) => String((e as Error).message),
  );
  assert.match(rejected, /not supported|closed/);
  assert.equal(await client.echo('after'), 'after');
});

test('connection loss settles every pending call; the client reconnects when the provider is back', async () => {
  const p = await provider([[Demo, impl]]);
  const c = consumer();
  open.push(c);
  const client = c.refer(Demo, { url: p.url, timeout: 5000 });
  assert.equal(await client.echo('up'), 'up');
  const started = sleepsStarted;
  const pending = client.sleep(3000);
  await until(() => sleepsStarted === started + 1, 10_000); // pending at the provider, not just sent
  await p.mesh.stop(0);
  await assert.rejects(pending, (e: unknown) => RpcError.is(e, Code.ConnectionClosed));
  // Same port again: the next call connects anew.
  const again = await provider([[Demo, impl]], { server: { host: '127.0.0.1', port: p.port } });
  open.push(again.mesh);
  assert.equal(await client.echo('back'), 'back');
});

test('nobody listening: UNAVAILABLE at once, then the client backs off', async () => {
  const p = await provider([[Demo, impl]]);
  await p.mesh.stop(0);
  const client = new RSocketProtocolClient(endpoint('rsocket', '127.0.0.1', p.port));
  const c = consumer();
  open.push(c);
  const ref = c.refer(Demo, { url: p.url, timeout: 2000, cluster: 'failfast' });
  await assert.rejects(ref.echo('x'), (e: unknown) => RpcError.is(e, Code.Unavailable));
  const inv = { service: Demo, method: Demo.methods.get('echo')!, args: ['x'], attachments: {}, deadline: Date.now() + 1000 };
  await assert.rejects(client.invoke(inv), (e: unknown) => RpcError.is(e, Code.Unavailable));
  assert.equal(client.available, false);
  await client.close();
});

test('close() settles calls in flight with CONNECTION_CLOSED', async () => {
  const { port } = await setup();
  const client = new RSocketProtocolClient(endpoint('rsocket', '127.0.0.1', port));
  const inv = { service: Demo, method: Demo.methods.get('sleep')!, args: [2000], attachments: {}, deadline: Date.now() + 5000 };
  const call = client.invoke(inv);
  await until(() => client.pendingCount === 1);
  await client.close();
  await assert.rejects(call, (e: unknown) => RpcError.is(e, Code.ConnectionClosed));
  assert.equal(client.pendingCount, 0);
});

test('frames over the limit fail the call, not the connection', async () => {
  const p = await provider([[Demo, impl]], { server: { host: '127.0.0.1', port: 0, maxFrameSize: 64 * 1024 } });
  const c = consumer({ client: { maxFrameSize: 64 * 1024 } });
  open.push(p.mesh, c);
  const client = c.refer(Demo, { url: p.url, timeout: 5000 });
  await assert.rejects(client.echo('y'.repeat(100_000)), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  await assert.rejects(client.big(100_000), (e: unknown) => RpcError.is(e, Code.FrameTooLarge) && /frame limit/.test(e.message));
  assert.equal(await client.echo('fine'), 'fine');
});

test('graceful stop: in-flight calls finish, new ones are refused, then the provider closes', async () => {
  const p = await provider([[Demo, impl]]);
  const c = consumer();
  open.push(c);
  const client = c.refer(Demo, { url: p.url, timeout: 5000, cluster: 'failfast' });
  assert.equal(await client.echo('warm'), 'warm');
  const started = sleepsStarted;
  const slow = client.sleep(300);
  // In flight at the provider: a fixed 30 ms could end before it read the request, which the
  // stopping provider then refuses.
  await until(() => sleepsStarted === started + 1, 10_000);
  const stopping = p.mesh.stop(5000);
  await sleep(30);
  await assert.rejects(client.echo('late'), (e: unknown) => RpcError.is(e) && [Code.Shutdown, Code.Unavailable, Code.ConnectionClosed].includes(e.code as never));
  assert.equal(await slow, 'slept');
  await stopping;
});

test('registries: providers register rsocket:// URLs; consumers find them by service key', async () => {
  const store = new MemoryStore();
  const p = await provider([[Demo, impl]], { registry: new MemoryRegistry({ store }) });
  const c = consumer({ registry: new MemoryRegistry({ store }) });
  open.push(p.mesh, c);
  assert.equal(await c.refer(Demo, { timeout: 3000 }).echo('via registry'), 'via registry');
  const url = rsocket().toUrl({ service: Demo, endpoint: endpoint('rsocket', '10.0.0.1', 7000), methods: ['echo'], application: 'demo' });
  assert.match(url, /^rsocket:\/\/10\.0\.0\.1:7000\/com\.meshlet\.test\.Demo\?application=demo&interface=com\.meshlet\.test\.Demo&methods=echo/);
  const back = fromRSocketUrl(url)!;
  assert.deepEqual([back.service.interface, back.service.version, back.endpoint.protocol, back.endpoint.port], ['com.meshlet.test.Demo', '1.0', 'rsocket', 7000]);
  assert.equal(fromRSocketUrl('dubbo://1.2.3.4:1/x'), undefined);
});
