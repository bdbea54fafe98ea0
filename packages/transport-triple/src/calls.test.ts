import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Code, RpcError, currentCall, defineService, t, type Meshlet } from '@meshlet/core';
import { consumer, provider, sleep, until } from './testing.fixture.js';
import { GrpcStatus, withStatusDetails, statusDetailsOf } from './status.js';

const Demo = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  methods: {
    sayHello: { params: [t.string], returns: t.string },
    add: { params: [t.int32, t.int64], returns: t.int64 },
    echoAttachment: { params: [t.string], returns: t.string },
    fail: { params: [], returns: t.string },
    failJava: { params: [], returns: t.string },
    failDetailed: { params: [], returns: t.string },
    slow: { params: [t.int32], returns: t.string },
    deadline: { params: [], returns: t.int64 },
    big: { params: [t.int32], returns: t.string },
    nothing: { params: [t.string] },
    count: { params: [t.int32], returns: t.int32, stream: true, timeout: 60_000 },
    forever: { params: [], returns: t.int32, stream: true },
  },
});

const state = { produced: 0, foreverStopped: false, slowDone: 0 };

const impl = {
  sayHello: (name: string) => `Hello ${name}`,
  add: (a: number, b: bigint) => BigInt(a) + b,
  echoAttachment: (key: string) => currentCall()!.attachments[key] ?? '<none>',
  fail: () => {
    throw new RpcError(Code.Business, 'no such order: 42 — ünïcode %');
  },
  failJava: () => {
    throw Object.assign(new Error('boom'), { javaClass: 'java.lang.IllegalStateException' });
  },
  failDetailed: () => {
    throw withStatusDetails(new RpcError(Code.Business, 'bad input'), [{ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from([1, 2, 3]) }], GrpcStatus.INVALID_ARGUMENT);
  },
  slow: async (ms: number) => {
    await sleep(ms);
    state.slowDone++;
    return 'done';
  },
  deadline: () => BigInt(Math.round(currentCall()!.deadline - Date.now())),
  big: (n: number) => 'x'.repeat(n),
  nothing: () => {},
  async *count(n: number) {
    for (let i = 0; i < n; i++) {
      state.produced++;
      yield i;
    }
  },
  async *forever() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      state.foreverStopped = true;
    }
  },
};

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function setup(opts: { gzip?: boolean; version?: string } = {}) {
  const def = opts.version ? defineService({ interface: Demo.interface, version: opts.version, methods: Object.fromEntries([...Demo.methods.values()].map((m) => [m.key, { params: m.params, returns: m.returns, stream: m.stream }])) }) : Demo;
  const p = await provider([[def, impl]]);
  const c = consumer({ triple: opts.gzip ? { compression: 'gzip' } : {} });
  open.push(p.mesh, c);
  return { ...p, demo: c.refer(Demo, { url: p.url, timeout: 5000 }) as any, c, def };
}

test('unary calls in wrapped hessian2 mode', async () => {
  const { demo } = await setup();
  assert.equal(await demo.sayHello('world'), 'Hello world');
  assert.equal(await demo.add(2, 40n), 42n);
  assert.equal(await demo.nothing('x'), undefined);
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => demo.sayHello(String(i))));
  assert.equal(many[49], 'Hello 49');
});

test('gzip both ways', async () => {
  const { demo } = await setup({ gzip: true });
  assert.equal(await demo.sayHello('zip'), 'Hello zip');
  assert.equal((await demo.big(100_000)).length, 100_000);
});

test('version and group travel in tri-service-version / tri-service-group', async () => {
  const p = await provider([[defineService({ interface: 'x.V', version: '1.2.0', group: 'g1', methods: { hi: { params: [], returns: t.string } } }), { hi: () => 'v1.2.0/g1' }]]);
  const c = consumer();
  open.push(p.mesh, c);
  const right = c.refer(defineService({ interface: 'x.V', version: '1.2.0', group: 'g1', methods: { hi: { params: [], returns: t.string } } }), { url: p.url });
  assert.equal(await right.hi(), 'v1.2.0/g1');
  const wrong = c.refer(defineService({ interface: 'x.V', version: '9.9.9', methods: { hi: { params: [], returns: t.string } } }), { url: p.url });
  await assert.rejects(wrong.hi(), (e: unknown) => RpcError.is(e, Code.ServiceNotFound));
});

test('attachments travel as headers', async () => {
  const { c, url } = await setup();
  const demo = c.refer(Demo, { url, attachments: { 'x-tenant': 'acme' } }) as any;
  assert.equal(await demo.echoAttachment('x-tenant'), 'acme');
});

test('errors: status, percent-encoded message, core code, google.rpc.Status details', async () => {
  const { demo } = await setup();
  // Wrapped mode: a business failure travels as Dubbo sends one (tri-exception-code + a hessian Throwable).
  await assert.rejects(demo.fail(), (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'no such order: 42 — ünïcode %' && e.remoteClass === 'java.lang.RuntimeException');
  await assert.rejects(demo.failJava(), (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'boom' && e.remoteClass === 'java.lang.IllegalStateException');
  await assert.rejects(demo.failDetailed(), (e: unknown) => {
    const d = statusDetailsOf(e);
    return RpcError.is(e, Code.Business) && e.status === 3 && d.length === 1 && d[0]!.typeUrl.endsWith('BadRequest') && Buffer.from(d[0]!.value).equals(Buffer.from([1, 2, 3]));
  });
});

test('deadline: grpc-timeout sets the provider deadline; expiry is TIMEOUT on both sides', async () => {
  const { demo, c, url } = await setup();
  const left = Number(await demo.deadline());
  assert.ok(left > 4000 && left <= 5000, `provider saw ${left} ms left`);
  const quick = c.refer(Demo, { url, timeout: 100 }) as any;
  const t0 = Date.now();
  await assert.rejects(quick.slow(2000), (e: unknown) => RpcError.is(e, Code.Timeout));
  assert.ok(Date.now() - t0 < 1500);
});

test('message size limit: RESOURCE_EXHAUSTED-class FRAME_TOO_LARGE, connection stays usable', async () => {
  const p = await provider([[Demo, impl]], { triple: { maxMessageSize: 64 * 1024 } });
  const c = consumer();
  open.push(p.mesh, c);
  const demo = c.refer(Demo, { url: p.url }) as any;
  await assert.rejects(demo.sayHello('y'.repeat(100_000)), (e: unknown) => RpcError.is(e, Code.FrameTooLarge) || RpcError.is(e, Code.ServerBusy));
  await assert.rejects(demo.big(100_000), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  assert.equal(await demo.sayHello('ok'), 'Hello ok');
});

test('server streaming with HTTP/2 flow control: a paused consumer holds the producer', async () => {
  const { demo } = await setup();
  state.produced = 0;
  let consumed = 0;
  for await (const item of demo.count(20_000)) {
    assert.equal(item, consumed);
    consumed++;
    if (consumed === 100) {
      await sleep(200);
      // Bounded by HTTP/2 windows (64 KiB stream window + socket buffers), not by the stream's length.
      assert.ok(state.produced - consumed < 15_000, `producer ran ${state.produced - consumed} items ahead`);
    }
  }
  assert.equal(consumed, 20_000);
});

test('breaking out of a stream cancels it (RST_STREAM): the producer stops', async () => {
  const { demo } = await setup();
  state.foreverStopped = false;
  let got = 0;
  for await (const _ of demo.forever()) if (++got === 10) break;
  await until(() => state.foreverStopped);
});

test('graceful stop: in-flight calls finish, then new calls go elsewhere', async () => {
  const p = await provider([[Demo, impl]]);
  const c = consumer();
  open.push(c);
  const demo = c.refer(Demo, { url: p.url, timeout: 5000 }) as any;
  assert.equal(await demo.sayHello('warm'), 'Hello warm');
  state.slowDone = 0;
  const inflight = demo.slow(300);
  await sleep(50);
  const stopped = p.mesh.stop(5000);
  assert.equal(await inflight, 'done');
  await stopped;
  await assert.rejects(demo.sayHello('late'), (e: unknown) => RpcError.is(e));
});

test('reconnect: a dead endpoint fails fast while backing off, then serves once a provider is back', async () => {
  const probe = await provider([[Demo, impl]]);
  const port = probe.port;
  await probe.mesh.stop(0);
  const c = consumer();
  open.push(c);
  const demo = c.refer(Demo, { url: `127.0.0.1:${port}`, timeout: 2000 }) as any;
  await assert.rejects(demo.sayHello('nobody'), (e: unknown) => RpcError.is(e, Code.Unavailable) || RpcError.is(e, Code.ConnectionClosed));
  const p = await provider([[Demo, impl]], { server: { host: '127.0.0.1', port } });
  open.push(p.mesh);
  const end = Date.now() + 8000;
  let answer: string | undefined;
  while (answer === undefined && Date.now() < end) {
    answer = await demo.sayHello('back').catch(() => undefined);
    if (answer === undefined) await sleep(50);
  }
  assert.equal(answer, 'Hello back');
});

test('a request that never finishes is failed after frameTimeout, the session stays usable', async () => {
  const http2 = await import('node:http2');
  const p = await provider([[Demo, impl]], { server: { host: '127.0.0.1', port: 0, frameTimeout: 200 } });
  open.push(p.mesh);
  const session = http2.connect(`http://127.0.0.1:${p.port}`);
  try {
    const req = session.request({ ':method': 'POST', ':path': '/org.apache.dubbo.demo.DemoService/sayHello', 'content-type': 'application/grpc', te: 'trailers' });
    req.write(Buffer.from([0, 0, 0, 0, 10, 1, 2])); // 2 of 10 bytes, then nothing
    const status = await new Promise<string | undefined>((resolve) => {
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined) resolve(String(h['grpc-status']));
      });
      req.on('trailers', (h) => resolve(String(h['grpc-status'])));
      req.on('close', () => resolve(undefined));
      req.resume();
    });
    assert.equal(status, '3');
  } finally {
    session.close();
  }
});

test('an idle connection is closed after idleTimeout; the consumer reconnects on its next call', async () => {
  const p = await provider([[Demo, impl]], { server: { host: '127.0.0.1', port: 0, idleTimeout: 150 } });
  const c = consumer();
  open.push(p.mesh, c);
  const demo = c.refer(Demo, { url: p.url }) as any;
  assert.equal(await demo.sayHello('a'), 'Hello a');
  const server = (p.mesh as any).servers?.values?.().next?.().value;
  if (server?.sessions) await until(() => server.sessions.size === 0, 3000);
  else await sleep(400);
  assert.equal(await demo.sayHello('b'), 'Hello b');
});

test("Dubbo's own deadline answer (trailers-only :status 408, grpc-status 2) reads as TIMEOUT", async () => {
  const http2 = await import('node:http2');
  const server = http2.createServer();
  server.on('stream', (s) => s.respond({ ':status': 408, 'content-type': 'application/grpc', 'grpc-status': '2', 'grpc-message': 'Request Timeout' }, { endStream: true }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const c = consumer();
  open.push(c);
  try {
    const demo = c.refer(Demo, { url: `127.0.0.1:${(server.address() as { port: number }).port}` }) as any;
    await assert.rejects(demo.sayHello('x'), (e: unknown) => RpcError.is(e, Code.Timeout));
  } finally {
    server.close();
  }
});
