// Meshlet's Triple transport against dubbo-js v3 (npm @apachedubbo/dubbo + @apachedubbo/dubbo-node
// 3.0.0-alpha, the only v3 release), both ways, with the exact values of triple-grpc.test.js.
// dubbo-js speaks two wires: gRPC (createGrpcTransport, and its server always accepts it) and its own
// "Triple" (createDubboTransport): the Connect protocol renamed — unary POST application/proto|json
// with TRI-Protocol-Version: 1.0.0 and TRI-Service-Timeout, streams as application/connect+proto.
// The last describe pins what dubbo-js's Triple sends, its unary calls served by a Meshlet provider
// (unary-http.ts in transport-triple), and its streams refused at once with HTTP 415, never a hang.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { Code as DubboCode, DubboError, createPromiseClient } from '@apachedubbo/dubbo';
import { createDubboTransport, createGrpcTransport, dubboNodeAdapter } from '@apachedubbo/dubbo-node';
import { createRuntime } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { BIG_LIMIT, DETAIL, Echo, FAIL_MESSAGE, MiB16, echoHandlers, sleep } from './triple-echo-fixture.js';
import { EsEcho, EsNote, EsReq } from './triple-echo-bufbuild.js';
import { meshletConsumerScenarios, peerEchoHandlers } from './triple-consumer-scenarios.js';
import { meshletProviderScenarios } from './triple-provider-scenarios.js';

const rejection = (p) => p.then(() => assert.fail('resolved'), (e) => e);

async function meshletProvider(seen) {
  const mesh = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Echo, echoHandlers(seen));
  await mesh.start();
  return mesh;
}

describe('dubbo-js client (gRPC transport) → Meshlet Triple provider', () => {
  let mesh;
  let client;
  const seen = { slowStreamStopped: false, deadlineLeft: 0 };
  before(async () => {
    mesh = await meshletProvider(seen);
    client = createPromiseClient(EsEcho, createGrpcTransport({
      baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2', readMaxBytes: BIG_LIMIT, writeMaxBytes: BIG_LIMIT,
    }));
  });
  after(async () => {
    await mesh?.stop(0);
  });

  meshletProviderScenarios({ name: 'dubbo-js', ErrorClass: DubboError, Code: DubboCode }, () => ({ client, seen }));
});

describe('Meshlet Triple consumer → dubbo-js server (dubboNodeAdapter on node:http2)', () => {
  let server;
  let consumer;
  let echo;
  let url;
  const seen = { timeout: undefined, stopped: false, version: undefined };
  const NOTE = new EsNote({ note: 'not ready: ü' });
  const impl = (tag) => ({
    ...peerEchoHandlers(seen),
    hello(req, ctx) {
      seen.timeout = ctx.timeoutMs();
      seen.version = ctx.requestHeader.get('tri-service-version');
      return { text: `Hello ${req.name} from dubbo-js${tag}`, index: Number(ctx.requestHeader.get('x-tenant') === 'acme') };
    },
    fail() {
      throw new DubboError('not ready: ü', DubboCode.FailedPrecondition, undefined, [NOTE]);
    },
    async slow() {
      await sleep(2000);
      return { text: 'late' };
    },
  });
  before(async () => {
    const handler = dubboNodeAdapter({
      readMaxBytes: BIG_LIMIT, writeMaxBytes: BIG_LIMIT,
      routes: (router) => router.service(EsEcho, impl(''), {}).service(EsEcho, impl(' v2'), { serviceVersion: '2.0.0' }),
    });
    server = http2.createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `tri://127.0.0.1:${server.address().port}`;
    consumer = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })] });
    echo = consumer.refer(Echo, { url, timeout: 10_000, attachments: { 'x-tenant': 'acme' } });
  });
  after(async () => {
    await consumer?.stop(0);
    await new Promise((resolve) => server?.close(resolve));
  });

  meshletConsumerScenarios({ name: 'dubbo-js', detail: { typeUrl: 'type.googleapis.com/meshlet.interop.Note', value: NOTE.toBinary() } },
    () => ({ consumer, echo, url, seen }));

  test('a versioned reference reaches the versioned dubbo-js service (tri-service-version)', async () => {
    const v2 = consumer.refer(Echo, { url, version: '2.0.0', timeout: 5000 });
    assert.equal((await v2.Hello({ name: 'meshlet' })).text, 'Hello meshlet from dubbo-js v2');
    assert.equal(seen.version, '2.0.0');
  });
});

describe("dubbo-js's own Triple wire (createDubboTransport)", () => {
  test('what it sends: Connect-style unary, TRI-* headers', async () => {
    const server = http2.createServer();
    // dubbo-js keeps its session open; server.close() waits for sessions, so end them.
    const sessions = new Set();
    server.on('session', (s) => sessions.add(s));
    const got = new Promise((resolve) => server.on('stream', (stream, headers) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/proto' });
        stream.end();
        resolve({ headers, body: Buffer.concat(chunks) });
      });
    }));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = createPromiseClient(EsEcho, createDubboTransport({ baseUrl: `http://127.0.0.1:${server.address().port}`, httpVersion: '2' }),
        { serviceVersion: '1.0.0', serviceGroup: 'g1' });
      await client.hello({ name: 'wire' }, { timeoutMs: 3000 });
      const { headers, body } = await got;
      assert.equal(headers[':method'], 'POST');
      assert.equal(headers[':path'], '/meshlet.interop.Echo/Hello');
      assert.equal(headers['content-type'], 'application/proto');
      assert.equal(headers['tri-protocol-version'], '1.0.0');
      assert.equal(headers['tri-service-timeout'], '3000');
      assert.equal(headers['tri-service-version'], '1.0.0');
      assert.equal(headers['tri-service-group'], 'g1');
      // The bare message, no gRPC 5-byte frame.
      assert.ok(body.equals(Buffer.from(new EsReq({ name: 'wire' }).toBinary())));
    } finally {
      for (const s of sessions) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('its unary calls → a Meshlet provider (Triple HTTP-style unary)', () => {
    let mesh;
    let client;
    const seen = { deadlineLeft: 0, slowStreamStopped: false };
    before(async () => {
      mesh = await meshletProvider(seen);
      client = createPromiseClient(EsEcho, createDubboTransport({
        baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2', readMaxBytes: BIG_LIMIT, writeMaxBytes: BIG_LIMIT,
      }));
    });
    after(async () => {
      await mesh?.stop(0);
    });

    test('unary, with the deadline carried as tri-service-timeout', async () => {
      const rep = await client.hello({ name: 'dubbo-js' }, { timeoutMs: 4000 });
      assert.deepEqual({ text: rep.text, index: rep.index }, { text: 'Hello dubbo-js', index: 0 });
      assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
    });

    test('error: status, message and details as Triple JSON', async () => {
      const err = await rejection(client.fail({ name: 'x' }));
      assert.ok(err instanceof DubboError, String(err));
      assert.equal(err.code, DubboCode.NotFound);
      assert.equal(err.rawMessage, FAIL_MESSAGE);
      assert.equal(err.details.length, 1);
      assert.equal(err.details[0].type, 'google.rpc.ErrorInfo');
      assert.ok(Buffer.from(err.details[0].value).equals(DETAIL.value));
    });

    test('deadline exceeded', async () => {
      assert.equal((await rejection(client.slow({}, { timeoutMs: 150 }))).code, DubboCode.DeadlineExceeded);
    });

    test('a 16 MiB message each way', async () => {
      const rep = await client.big({ size: MiB16, name: 'x'.repeat(MiB16 - 16) });
      assert.equal(rep.text, 'b'.repeat(MiB16));
    });

    test("a request over the provider's message limit: RESOURCE_EXHAUSTED, typed", async () => {
      // A client without a write limit of its own, so the provider is the one refusing.
      const unbounded = createPromiseClient(EsEcho, createDubboTransport({ baseUrl: `http://127.0.0.1:${mesh.address().port}`, httpVersion: '2' }));
      const err = await rejection(unbounded.hello({ name: 'x'.repeat(BIG_LIMIT + 1) }));
      assert.equal(err.code, DubboCode.ResourceExhausted, err.message);
    });

    test('128 calls in flight, each answered with its own value', async () => {
      const reps = await Promise.all(Array.from({ length: 128 }, (_, i) => client.hello({ name: `n${i}` }, { timeoutMs: 20_000 })));
      reps.forEach((r, i) => assert.equal(r.text, `Hello n${i}`));
    });

    // Its streams are the Connect streaming protocol (application/connect+proto), which a Triple
    // server does not speak (Dubbo streams are gRPC): refused at once, typed, never run.
    test('its streams are refused with HTTP 415 before the method runs', async () => {
      seen.slowStreamStopped = false;
      const t0 = Date.now();
      const err = await rejection((async () => {
        for await (const _ of client.slowStream({}, { timeoutMs: 5000 }));
      })());
      assert.ok(err instanceof DubboError);
      assert.match(err.message, /HTTP 415/);
      assert.equal(seen.slowStreamStopped, false);
      assert.ok(Date.now() - t0 < 3000);
    });
  });
});
