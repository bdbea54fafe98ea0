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
import { BIG_LIMIT, Echo, FAIL_MESSAGE, echoHandlers, sleep } from './triple-echo-fixture.js';
import { EsEcho, EsNote } from './triple-echo-bufbuild.js';
import { meshletConsumerScenarios, peerEchoHandlers } from './triple-consumer-scenarios.js';
import { meshletProviderScenarios } from './triple-provider-scenarios.js';

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

  meshletProviderScenarios({ name: 'connect-es', ErrorClass: ConnectError, Code: ConnectCode }, () => ({ client, seen }));

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
        ...peerEchoHandlers(seen),
        hello(req, ctx) {
          seen.timeout = ctx.timeoutMs();
          seen.tenant = ctx.requestHeader.get('x-tenant');
          return { text: `Hello ${req.name} from connect-es`, index: Number(seen.tenant === 'acme') };
        },
        fail() {
          throw new ConnectError('not ready: ü', ConnectCode.FailedPrecondition, undefined, [NOTE]);
        },
        async slow(_req, ctx) {
          await sleep(2000);
          ctx.signal.throwIfAborted();
          return { text: 'late' };
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
