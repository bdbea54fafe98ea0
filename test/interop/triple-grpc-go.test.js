// Meshlet's Triple transport against grpc-go (google.golang.org/grpc), both ways: a grpc-go client
// (test/interop/go/cmd/grpc-peer, hand-written ServiceDesc and protowire codec) → a Meshlet tri provider, and
// a Meshlet tri consumer → a grpc-go server. Same service and proto as triple-grpc.test.js (grpc-js).
// The Go peer is built once from the Go module proxy into .cache/fleet (first build: a minute or two).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, RpcError, createRuntime, currentCall, defineService } from '@meshlet/core';
import { GrpcStatus, protobufMethods, statusDetailsOf, triple } from '@meshlet/transport-triple';
import { goModulePeer } from '../fleet/lib/go.js';
import { BIG_LIMIT, DETAIL, Echo, MiB16, echoHandlers, sleep } from './triple-echo-fixture.js';

// The same interface with a method grpc-go does not serve.
const Unserved = defineService({
  interface: 'meshlet.interop.Echo',
  methods: protobufMethods(protobuf.parse(`
syntax = "proto3";
package meshlet.interop;
message Req { string name = 1; }
message Rep { string text = 1; }
service Echo { rpc Nope (Req) returns (Rep); }
`).root.lookupService('meshlet.interop.Echo')),
});

// Waits (bounded) for a condition on grpc-go's event stream, not a flag in `seen`: the fixture's until() reads flags.
async function until(cond, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
  return cond();
}

let binary;
before(async () => {
  binary = await goModulePeer('test/interop/go', 'grpc-peer');
});

describe('grpc-go client → Meshlet Triple provider', () => {
  let mesh;
  const seen = { deadlineLeft: 0, slowStreamStops: 0, bigName: 0 };
  /** case name → the client's JSON line; filled by one run of `grpc-peer client`. */
  const results = new Map();
  let summary = '';

  before(async () => {
    mesh = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })], server: { host: '127.0.0.1', port: 0 } });
    // The fixture's handlers, but for what the Go client checks: the x-tenant attachment in Hello's
    // index, and how large a request arrived.
    mesh.provide(Echo, {
      ...echoHandlers(seen),
      Hello: (req) => {
        const call = currentCall();
        if (req.name === 'grpc-go') seen.deadlineLeft = call.deadline - Date.now();
        return { text: `Hello ${req.name}`, index: Number(call.attachments['x-tenant'] === 'acme') };
      },
      // Answers size bytes of 'b'; index is the request name's length (a large request's proof).
      Big: (req) => {
        seen.bigName = Math.max(seen.bigName, req.name.length);
        return { text: 'b'.repeat(req.size), index: req.name.length };
      },
    });
    await mesh.start();
    const child = spawn(binary, ['client', '--target', `127.0.0.1:${mesh.address().port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) {
        const r = JSON.parse(line);
        results.set(r.case, r);
      } else if (/passed/.test(line)) summary = line;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code] = await once(child, 'exit');
    clearTimeout(timer);
    assert.ok(code === 0 || code === 1, `grpc-peer client exited ${code}: ${err}`);
  });
  after(async () => {
    await mesh?.stop(0);
  });

  const passed = (name) => {
    const r = results.get(name);
    assert.ok(r, `no result for ${name}`);
    assert.ok(r.ok, `${name}: ${r.detail}`);
  };

  test('every case ran', () => {
    assert.equal(summary, '12 passed, 0 failed', [...results.values()].filter((r) => !r.ok).map((r) => `${r.case}: ${r.detail}`).join('; '));
  });
  test('unary, with metadata as attachments and the deadline carried as grpc-timeout', () => {
    passed('unary');
    assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
  });
  test('gzip request and answer', () => passed('gzip'));
  test('server streaming', () => passed('server-stream'));
  test('client streaming', () => passed('client-stream'));
  test('bidi streaming, interleaved', () => passed('bidi'));
  test('error: status, percent-decoded message and google.rpc.Status details', () => passed('error-details'));
  test('deadline exceeded on a unary call', () => passed('deadline-unary'));
  test('deadline mid-stream and cancellation stop the producer', async () => {
    passed('deadline-stream');
    passed('cancel');
    assert.ok(await until(() => seen.slowStreamStops >= 2), `producer stopped ${seen.slowStreamStops} of 2 times`);
  });
  test('a 16 MiB message each way', () => {
    passed('big-16MiB');
    assert.equal(seen.bigName, MiB16);
  });
  test('unknown method: UNIMPLEMENTED', () => passed('unimplemented'));
  test('a request that does not decode: INVALID_ARGUMENT, and the connection serves on', () => passed('malformed-request'));
});

describe('Meshlet Triple consumer → grpc-go server', () => {
  let server;
  let consumer;
  let echo;
  let url;
  /** EVENT lines of the server: name → values, in order. */
  const events = new Map();
  const lastEvent = (name) => events.get(name)?.at(-1);
  const eventCount = (name) => events.get(name)?.length ?? 0;
  /** The request encoding and "length/wire length" grpc-go saw for the next Big call made by `call`. */
  async function bigOnTheWire(call) {
    const before = eventCount('wire-Big');
    const rep = await call();
    assert.ok(await until(() => eventCount('wire-Big') > before), 'grpc-go reported the request');
    const [length, wire] = lastEvent('wire-Big').split('/').map(Number);
    return { rep, encoding: lastEvent('encoding-Big'), length, wire };
  }

  before(async () => {
    server = spawn(binary, ['server'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('grpc-peer server: no READY in 15 s')), 15_000);
      server.once('exit', (code) => reject(new Error(`grpc-peer server exited ${code}`)));
      createInterface({ input: server.stdout }).on('line', (line) => {
        const [kind, name, value] = line.split(' ');
        if (kind === 'READY') {
          clearTimeout(timer);
          resolve(Number(name));
        } else if (kind === 'EVENT') {
          if (!events.has(name)) events.set(name, []);
          events.get(name).push(value);
        }
      });
    });
    url = `tri://127.0.0.1:${port}`;
    consumer = createRuntime({ protocols: [triple({ maxMessageSize: BIG_LIMIT })] });
    echo = consumer.refer(Echo, { url, timeout: 10_000, attachments: { 'x-tenant': 'acme' } });
  });
  after(async () => {
    await consumer?.stop(0);
    if (server && server.exitCode === null) {
      server.stdin.end(); // the peer stops when its stdin closes
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await once(server, 'exit');
      clearTimeout(timer);
    }
  });

  test('unary, with grpc-timeout and attachments as metadata', async () => {
    const rep = await echo.Hello({ name: 'meshlet' });
    assert.deepEqual(rep, { text: 'Hello meshlet from grpc-go', index: 1 });
    // The EVENT line travels on the peer's stdout, which may arrive after the answer.
    assert.ok(await until(() => lastEvent('hello-deadline-ms') !== undefined), 'grpc-go reported the deadline');
    const left = Number(lastEvent('hello-deadline-ms'));
    assert.ok(left > 9000 && left <= 10_000, `grpc-go saw a deadline ${lastEvent('hello-deadline-ms')} ms away`);
  });

  test('server streaming', async () => {
    const got = [];
    for await (const rep of echo.Count({ count: 500 })) got.push(rep.index);
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
  });

  test('error status, message and details reach the caller', async () => {
    await assert.rejects(echo.Fail({}), (e) => {
      const d = statusDetailsOf(e);
      assert.ok(RpcError.is(e, Code.BadRequest), `code ${e.code}`);
      assert.equal(e.status, GrpcStatus.FAILED_PRECONDITION);
      assert.equal(e.message, 'not ready: ü');
      assert.equal(d.length, 1);
      assert.equal(d[0].typeUrl, DETAIL.typeUrl);
      assert.ok(Buffer.from(d[0].value).equals(DETAIL.value));
      return true;
    });
  });

  test('deadline exceeded: TIMEOUT in time, and grpc-go sees it', async () => {
    const quick = consumer.refer(Echo, { url, timeout: 150 });
    const t0 = Date.now();
    await assert.rejects(quick.Slow({}), (e) => RpcError.is(e, Code.Timeout));
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    assert.ok(await until(() => lastEvent('slow-stopped') !== undefined), 'grpc-go handler saw its context end');
    // grpc-go's own timer (from grpc-timeout) and Meshlet's RST_STREAM CANCEL at the same deadline race.
    assert.ok(['DeadlineExceeded', 'Canceled'].includes(lastEvent('slow-stopped')), lastEvent('slow-stopped'));
  });

  test('cancelling a stream (break) cancels it on the server', async () => {
    let n = 0;
    for await (const _ of echo.SlowStream({})) if (++n === 3) break;
    assert.ok(await until(() => lastEvent('slowstream-stopped') !== undefined), 'grpc-go saw the cancellation');
    assert.equal(lastEvent('slowstream-stopped'), 'Canceled');
  });

  test('client streaming', async () => {
    async function* reqs() {
      for (let i = 1; i <= 100; i++) yield { name: '', count: i, size: 0 };
    }
    assert.deepEqual(await echo.Sum(reqs()), { text: 'sum', index: 5050 });
  });

  test('bidi streaming', async () => {
    async function* reqs() {
      for (const [i, w] of ['a', 'b', 'c'].entries()) yield { name: w, count: i + 1, size: 0 };
    }
    const got = [];
    for await (const r of echo.Chat(reqs())) got.push(r);
    assert.deepEqual(got, [{ text: 'A', index: 1 }, { text: 'B', index: 2 }, { text: 'C', index: 3 }]);
  });

  test('a 16 MiB message each way', async () => {
    const { rep, encoding, length } = await bigOnTheWire(() => echo.Big({ name: 'n'.repeat(MiB16), size: MiB16 }));
    assert.equal(encoding, 'identity');
    assert.equal(length, MiB16 + 10, 'name (tag, 4-byte length) and size (tag, 4-byte varint)');
    assert.equal(rep.index, MiB16, 'grpc-go received the whole request');
    assert.equal(rep.text.length, MiB16);
    assert.ok(rep.text === 'g'.repeat(MiB16));
  });

  test('a method grpc-go does not serve: MethodNotFound (UNIMPLEMENTED)', async () => {
    const nope = consumer.refer(Unserved, { url, timeout: 5000 });
    await assert.rejects(nope.Nope({ name: 'x' }), (e) => {
      assert.ok(RpcError.is(e, Code.MethodNotFound), `code ${e.code}: ${e.message}`);
      assert.equal(e.status, GrpcStatus.UNIMPLEMENTED);
      return true;
    });
  });

  test('gzip requests, inflated by grpc-go', async () => {
    const zipped = createRuntime({ protocols: [triple({ compression: 'gzip' })] });
    try {
      const e = zipped.refer(Echo, { url, timeout: 5000 });
      const { rep, encoding, length, wire } = await bigOnTheWire(() => e.Big({ name: 'z'.repeat(100_000), size: 1000 }));
      assert.deepEqual(rep, { text: 'g'.repeat(1000), index: 100_000 });
      assert.equal(encoding, 'gzip');
      assert.equal(length, 100_000 + 4 + 3, 'name (tag, 3-byte length) and size (tag, 2-byte varint)');
      assert.ok(wire < length / 10, `${length} bytes went as ${wire}: compressed`);
    } finally {
      await zipped.stop(0);
    }
  });
});
