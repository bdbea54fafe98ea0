// Meshlet's Triple transport against grpc-js (the reference Node gRPC implementation), both ways,
// for unary, server-, client- and bidi-streaming calls:
// grpc-js clients → a Meshlet Triple provider, and a Meshlet Triple consumer → a grpc-js server.
// Messages are protobuf (protobufjs reflection, no .proto file), as any gRPC peer sends them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createRuntime } from '@meshlet/core';
import { GrpcStatus, triple, encodeRpcStatus } from '@meshlet/transport-triple';
import { BIG_LIMIT, DETAIL, Echo, MiB16, Rep, Req, echoHandlers, sleep } from './triple-echo-fixture.js';
import { meshletConsumerScenarios } from './triple-consumer-scenarios.js';

// grpc-js's service definition, with protobufjs doing the bytes.
const ser = (type) => (obj) => Buffer.from(type.encode(type.fromObject(obj)).finish());
const de = (type) => (buf) => type.toObject(type.decode(buf), { defaults: true });
const path = (m) => `/meshlet.interop.Echo/${m}`;
const def = (name, responseStream = false, requestStream = false) => ({
  path: path(name), requestStream, responseStream,
  requestSerialize: ser(Req), requestDeserialize: de(Req), responseSerialize: ser(Rep), responseDeserialize: de(Rep),
});
const grpcService = {
  Hello: def('Hello'), Count: def('Count', true), Fail: def('Fail'), Slow: def('Slow'), SlowStream: def('SlowStream', true), Big: def('Big'),
  Sum: def('Sum', false, true), Chat: def('Chat', true, true),
};
const GrpcEchoClient = grpc.makeGenericClientConstructor(grpcService, 'Echo');

describe('grpc-js client → Meshlet Triple provider', () => {
  let mesh;
  let client;
  let gzipClient;
  const seen = { slowStreamStopped: false, deadlineLeft: 0, cancelled: false };
  before(async () => {
    mesh = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })], server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(Echo, echoHandlers(seen));
    await mesh.start();
    const target = `127.0.0.1:${mesh.address().port}`;
    const opts = { 'grpc.max_receive_message_length': BIG_LIMIT, 'grpc.max_send_message_length': BIG_LIMIT };
    client = new GrpcEchoClient(target, grpc.credentials.createInsecure(), opts);
    gzipClient = new GrpcEchoClient(target, grpc.credentials.createInsecure(), { ...opts, 'grpc.default_compression_algorithm': 2 });
  });
  after(async () => {
    client?.close();
    gzipClient?.close();
    await mesh?.stop(0);
  });

  const unary = (c, m, req, options = {}) => new Promise((resolve, reject) => {
    c[m](req, new grpc.Metadata(), options, (err, rep) => (err ? reject(err) : resolve(rep)));
  });

  test('unary, with the deadline carried as grpc-timeout', async () => {
    const rep = await unary(client, 'Hello', { name: 'grpc-js' }, { deadline: Date.now() + 4000 });
    assert.deepEqual(rep, { text: 'Hello grpc-js', index: 0 });
    assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
  });

  test('gzip requests and answers', async () => {
    const rep = await unary(gzipClient, 'Big', { size: 200_000 });
    assert.equal(rep.text.length, 200_000);
  });

  test('server streaming', async () => {
    const got = [];
    const call = client.Count({ name: 's', count: 1000 });
    for await (const rep of call) got.push(rep.index);
    assert.equal(got.length, 1000);
    assert.equal(got[999], 999);
  });

  test('error: status, percent-decoded message and google.rpc.Status details', async () => {
    const err = await unary(client, 'Fail', { name: 'x' }).then(() => assert.fail('resolved'), (e) => e);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, 'order 42 not found: ü%');
    const bin = err.metadata.get('grpc-status-details-bin')[0];
    assert.ok(Buffer.isBuffer(bin), 'details present');
    assert.ok(bin.equals(encodeRpcStatus({ code: GrpcStatus.NOT_FOUND, message: 'order 42 not found: ü%', details: [DETAIL] })));
  });

  test('deadline exceeded on a unary call', async () => {
    const err = await unary(client, 'Slow', {}, { deadline: Date.now() + 150 }).then(() => assert.fail('resolved'), (e) => e);
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
  });

  test('deadline exceeded mid-stream stops the producer', async () => {
    seen.slowStreamStopped = false;
    const call = client.SlowStream({}, new grpc.Metadata(), { deadline: Date.now() + 300 });
    let items = 0;
    const err = await (async () => {
      for await (const _ of call) items++;
    })().then(() => assert.fail('ended'), (e) => e);
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(items > 0, 'items before the deadline');
    const until = Date.now() + 3000;
    while (!seen.slowStreamStopped && Date.now() < until) await sleep(10);
    assert.ok(seen.slowStreamStopped, 'producer stopped');
  });

  test('cancellation (RST_STREAM CANCEL) stops the producer', async () => {
    seen.slowStreamStopped = false;
    const call = client.SlowStream({});
    call.on('error', () => {});
    await new Promise((resolve) => call.once('data', resolve));
    call.cancel();
    const until = Date.now() + 3000;
    while (!seen.slowStreamStopped && Date.now() < until) await sleep(10);
    assert.ok(seen.slowStreamStopped, 'producer stopped');
  });

  test('a 16 MiB message each way', async () => {
    const rep = await unary(client, 'Big', { size: MiB16 });
    assert.equal(rep.text.length, MiB16);
  });

  test('client streaming', async () => {
    const rep = await new Promise((resolve, reject) => {
      const call = client.Sum((err, r) => (err ? reject(err) : resolve(r)));
      for (let i = 1; i <= 100; i++) call.write({ count: i });
      call.end();
    });
    assert.deepEqual(rep, { text: 'sum', index: 5050 });
  });

  test('bidi streaming', async () => {
    const call = client.Chat();
    const got = [];
    call.on('data', (r) => got.push(r.text));
    const done = new Promise((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const w of ['ping', 'pong', 'done']) call.write({ name: w, count: 1 });
    call.end();
    await done;
    assert.deepEqual(got, ['PING', 'PONG', 'DONE']);
  });

  test('unknown method: UNIMPLEMENTED', async () => {
    const raw = new grpc.Client(`127.0.0.1:${mesh.address().port}`, grpc.credentials.createInsecure());
    const err = await new Promise((resolve) => raw.makeUnaryRequest(path('Nope'), ser(Req), de(Rep), {}, (e) => resolve(e)));
    raw.close();
    assert.equal(err.code, grpc.status.UNIMPLEMENTED);
  });
});

describe('Meshlet Triple consumer → grpc-js server', () => {
  let server;
  let consumer;
  let echo;
  let boundPort;
  const seen = { timeout: undefined, stopped: false };
  before(async () => {
    server = new grpc.Server({ 'grpc.max_receive_message_length': BIG_LIMIT, 'grpc.max_send_message_length': BIG_LIMIT });
    server.addService(grpcService, {
      Hello: (call, cb) => {
        // grpc-js reads grpc-timeout into the call's deadline.
        const deadline = call.getDeadline();
        seen.timeout = (deadline instanceof Date ? deadline.getTime() : Number(deadline)) - Date.now();
        cb(null, { text: `Hello ${call.request.name} from grpc-js`, index: Number(call.metadata.get('x-tenant')[0] === 'acme') });
      },
      Count: (call) => {
        for (let i = 0; i < call.request.count; i++) call.write({ text: 'c', index: i });
        call.end();
      },
      Fail: (_call, cb) => {
        const md = new grpc.Metadata();
        md.set('grpc-status-details-bin', encodeRpcStatus({ code: grpc.status.FAILED_PRECONDITION, message: 'not ready', details: [DETAIL] }));
        cb({ code: grpc.status.FAILED_PRECONDITION, details: 'not ready: ü', metadata: md });
      },
      Slow: (_call, cb) => setTimeout(() => cb(null, { text: 'late' }), 2000),
      SlowStream: (call) => {
        let i = 0;
        const timer = setInterval(() => call.write({ text: 't', index: i++ }), 20);
        call.on('cancelled', () => {
          clearInterval(timer);
          seen.stopped = true;
        });
      },
      Big: (call, cb) => cb(null, { text: 'g'.repeat(call.request.size), index: 2 }),
      Sum: (call, cb) => {
        let total = 0;
        call.on('data', (r) => (total += r.count));
        call.on('end', () => cb(null, { text: 'sum', index: total }));
      },
      Chat: (call) => {
        call.on('data', (r) => call.write({ text: r.name.toUpperCase(), index: r.count }));
        call.on('end', () => call.end());
      },
    });
    const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    boundPort = port;
    consumer = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })] });
    echo = consumer.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 10_000, attachments: { 'x-tenant': 'acme' } });
  });
  after(async () => {
    await consumer?.stop(0);
    server?.forceShutdown();
  });

  meshletConsumerScenarios({ name: 'grpc-js', detail: DETAIL }, () => ({ consumer, echo, url: echoUrl(), seen }));

  // grpc-js inflates a message flagged compressed under grpc-encoding gzip and fails the call otherwise.
  test('gzip requests', async () => {
    const zipped = createRuntime({ protocols: [triple({ compression: 'gzip' })] });
    try {
      const e = zipped.refer(Echo, { url: echoUrl(), timeout: 5000 });
      assert.equal((await e.Hello({ name: 'z' })).text, 'Hello z from grpc-js');
    } finally {
      await zipped.stop(0);
    }
  });

  function echoUrl() {
    return `tri://127.0.0.1:${boundPort}`;
  }
});
