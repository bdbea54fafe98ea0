// Meshlet's Triple transport against connect-es 1.x (@connectrpc/connect-node, the gRPC protocol over
// HTTP/2), both ways, with the exact values of triple-grpc.test.js:
// a connect-es client (createGrpcTransport) → a Meshlet tri provider, and a Meshlet tri consumer →
// a connect-es server (connectNodeAdapter on http2.createServer).
// connect-es 1.x, not 2.x: @connectrpc/connect-node 2.2 needs Node ≥ 22, and dubbo-js v3 (the other
// npm Triple peer, triple-dubbo-js.test.js) peers on @bufbuild/protobuf 1.x, which connect-es 2 cannot share.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { Code as ConnectCode, ConnectError, createPromiseClient } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { createRuntime } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { BIG_LIMIT, DETAIL, Echo, FAIL_MESSAGE, MiB16, echoHandlers, sleep, until } from './triple-echo-fixture.js';
import { EsEcho, EsNote } from './triple-echo-bufbuild.js';
import { meshletConsumerScenarios } from './triple-consumer-scenarios.js';

const rejection = (p) => p.then(() => assert.fail('resolved'), (e) => e);

describe('connect-es client (gRPC over HTTP/2) → Meshlet Triple provider', () => {
  let mesh;
  let client;
  const seen = { slowStreamStopped: false, deadlineLeft: 0 };
  before(async () => {
    mesh = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })], server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(Echo, echoHandlers(seen));
    await mesh.start();
    const transport = createGrpcTransport({
      baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2', readMaxBytes: BIG_LIMIT, writeMaxBytes: BIG_LIMIT,
    });
    client = createPromiseClient(EsEcho, transport);
  });
  after(async () => {
    await mesh?.stop(0);
  });

  test('unary, with the deadline carried as grpc-timeout', async () => {
    const rep = await client.hello({ name: 'connect-es' }, { timeoutMs: 4000 });
    assert.deepEqual({ text: rep.text, index: rep.index }, { text: 'Hello connect-es', index: 0 });
    assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
  });

  test('server streaming', async () => {
    const got = [];
    for await (const rep of client.count({ name: 's', count: 1000 })) got.push(rep.index);
    assert.equal(got.length, 1000);
    assert.equal(got[999], 999);
  });

  test('error: status, percent-decoded message and google.rpc.Status details', async () => {
    const err = await rejection(client.fail({ name: 'x' }));
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, ConnectCode.NotFound);
    assert.equal(err.rawMessage, FAIL_MESSAGE);
    assert.equal(err.details.length, 1);
    assert.equal(err.details[0].type, 'google.rpc.ErrorInfo');
    assert.ok(Buffer.from(err.details[0].value).equals(DETAIL.value));
  });

  test('deadline exceeded on a unary call', async () => {
    const err = await rejection(client.slow({}, { timeoutMs: 150 }));
    assert.equal(err.code, ConnectCode.DeadlineExceeded);
  });

  test('deadline exceeded mid-stream stops the producer', async () => {
    seen.slowStreamStopped = false;
    let items = 0;
    const err = await rejection((async () => {
      for await (const _ of client.slowStream({}, { timeoutMs: 300 })) items++;
    })());
    assert.equal(err.code, ConnectCode.DeadlineExceeded);
    assert.ok(items > 0, 'items before the deadline');
    assert.ok(await until(seen, 'slowStreamStopped'), 'producer stopped');
  });

  test('cancellation (AbortSignal → RST_STREAM CANCEL) stops the producer', async () => {
    seen.slowStreamStopped = false;
    const abort = new AbortController();
    const err = await rejection((async () => {
      for await (const _ of client.slowStream({}, { signal: abort.signal })) abort.abort();
    })());
    assert.equal(err.code, ConnectCode.Canceled);
    assert.ok(await until(seen, 'slowStreamStopped'), 'producer stopped');
  });

  test('a 16 MiB message each way', async () => {
    const rep = await client.big({ size: MiB16, name: 'x'.repeat(MiB16 - 16) });
    assert.equal(rep.text.length, MiB16);
    assert.equal(rep.text, 'b'.repeat(MiB16));
  });

  test('client streaming', async () => {
    async function* reqs() {
      for (let i = 1; i <= 100; i++) yield { count: i };
    }
    const rep = await client.sum(reqs());
    assert.deepEqual({ text: rep.text, index: rep.index }, { text: 'sum', index: 5050 });
  });

  test('bidi streaming', async () => {
    async function* reqs() {
      for (const w of ['ping', 'pong', 'done']) yield { name: w, count: 1 };
    }
    const got = [];
    for await (const r of client.chat(reqs())) got.push(r.text);
    assert.deepEqual(got, ['PING', 'PONG', 'DONE']);
  });

  test('128 calls in flight on one connection, each answered with its own value', async () => {
    const reps = await Promise.all(Array.from({ length: 128 }, (_, i) => client.hello({ name: `n${i}` }, { timeoutMs: 20_000 })));
    reps.forEach((r, i) => assert.equal(r.text, `Hello n${i}`));
  });

  // gRPC-Web requests used to pass the provider's content-type check (application/grpc-web+proto
  // starts with application/grpc): the method ran, the caller failed with 'missing trailer'. Now
  // refused before anything runs, as are Connect streams; Connect unary is Triple's HTTP-style unary.
  test('gRPC-Web is refused with HTTP 415 before the method runs', async () => {
    const web = createPromiseClient(EsEcho, createGrpcWebTransport({ baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2' }));
    seen.deadlineLeft = 'never ran';
    const t0 = Date.now();
    for (const call of [() => web.hello({ name: 'x' }, { timeoutMs: 5000 }), () => web.count({ count: 2 }, { timeoutMs: 5000 })[Symbol.asyncIterator]().next()]) {
      const err = await rejection(call());
      assert.ok(err instanceof ConnectError, String(err));
      assert.match(err.message, /content-type "application\/grpc-web\+proto" is not application\/grpc/);
    }
    assert.equal(seen.deadlineLeft, 'never ran');
    assert.ok(Date.now() - t0 < 3000);
  });

  test('the Connect protocol: unary served (deadline from connect-timeout-ms, JSON errors), streams refused with HTTP 415', async () => {
    const connect = createPromiseClient(EsEcho, createConnectTransport({ baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2' }));
    const rep = await connect.hello({ name: 'connect' }, { timeoutMs: 4000 });
    assert.equal(rep.text, 'Hello connect');
    assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
    const err = await rejection(connect.fail({}));
    assert.equal(err.code, ConnectCode.NotFound);
    assert.equal(err.rawMessage, FAIL_MESSAGE);
    assert.deepEqual(err.details.map((d) => [d.type, Buffer.from(d.value).toString()]), [['google.rpc.ErrorInfo', 'detail-bytes']]);
    const refused = await rejection(connect.count({ count: 2 })[Symbol.asyncIterator]().next());
    assert.match(refused.message, /HTTP 415/);
  });

  test('unknown method: UNIMPLEMENTED', async () => {
    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2' });
    const nope = createPromiseClient({ ...EsEcho, methods: { nope: { ...EsEcho.methods.hello, name: 'Nope' } } }, transport);
    const err = await rejection(nope.nope({}));
    assert.equal(err.code, ConnectCode.Unimplemented);
  });
});

describe('Meshlet Triple consumer → connect-es server (connectNodeAdapter on node:http2)', () => {
  let server;
  let consumer;
  let echo;
  let url;
  const seen = { timeout: undefined, tenant: undefined, stopped: false };
  const NOTE = new EsNote({ note: 'not ready: ü' });
  before(async () => {
    const handler = connectNodeAdapter({
      grpc: true, grpcWeb: false, connect: false, readMaxBytes: BIG_LIMIT, writeMaxBytes: BIG_LIMIT,
      routes: (router) => router.service(EsEcho, {
        hello(req, ctx) {
          seen.timeout = ctx.timeoutMs();
          seen.tenant = ctx.requestHeader.get('x-tenant');
          return { text: `Hello ${req.name} from connect-es`, index: Number(seen.tenant === 'acme') };
        },
        async *count(req) {
          for (let i = 0; i < req.count; i++) yield { text: 'c', index: i };
        },
        fail() {
          throw new ConnectError('not ready: ü', ConnectCode.FailedPrecondition, undefined, [NOTE]);
        },
        async slow(_req, ctx) {
          await sleep(2000);
          ctx.signal.throwIfAborted();
          return { text: 'late' };
        },
        async *slowStream(_req, ctx) {
          try {
            for (let i = 0; !ctx.signal.aborted; i++) {
              yield { text: 't', index: i };
              await sleep(20);
            }
          } finally {
            seen.stopped = true;
          }
        },
        big: (req) => ({ text: 'g'.repeat(req.size), index: 2 }),
        async sum(reqs) {
          let total = 0;
          for await (const r of reqs) total += r.count;
          return { text: 'sum', index: total };
        },
        async *chat(reqs) {
          for await (const r of reqs) yield { text: r.name.toUpperCase(), index: r.count };
        },
      }),
    });
    server = http2.createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `tri://127.0.0.1:${server.address().port}`;
    consumer = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })] });
    echo = consumer.refer(Echo, { url, timeout: 10_000, attachments: { 'x-tenant': 'acme' } });
  });
  after(async () => {
    await consumer?.stop(0);
    await new Promise((resolve) => {
      server?.close(resolve);
      // http2 sessions keep the server open; the consumer has closed its own already.
    });
  });

  meshletConsumerScenarios({ name: 'connect-es', detail: { typeUrl: 'type.googleapis.com/meshlet.interop.Note', value: NOTE.toBinary() } },
    () => ({ consumer, echo, url, seen }));
});
