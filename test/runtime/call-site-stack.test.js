// A failed call's stack is the caller's: its first frame is the line that awaited the call, with
// no frames of the breaker library (opossum), the retry loop or the engine.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { BreakerSet } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';

const Svc = defineService({
  interface: 'com.meshlet.test.Stacks', version: '1.0',
  methods: { fail: { params: [t.string], returns: t.string, idempotent: true }, slow: { params: [t.int32], returns: t.string } },
});
const here = fileURLToPath(import.meta.url);

/** The line of this file that called `lineHere()`. */
function lineHere() {
  const frame = new Error().stack.split('\n')[2];
  return Number(/:(\d+):\d+\)?$/.exec(frame)[1]);
}

function assertCallerStack(err, line, code) {
  assert.ok(err instanceof RpcError, 'still an RpcError');
  assert.equal(err.code, code);
  const frames = err.stack.split('\n').slice(1);
  assert.ok(err.stack.startsWith(`RpcError: ${err.message}`), err.stack);
  assert.ok(frames.length >= 1, `frames in\n${err.stack}`);
  assert.ok(frames[0].includes(`${here}:${line}:`), `first frame is the awaiting line ${line}:\n${err.stack}`);
  for (const f of frames) {
    assert.ok(!/opossum|packages\/(core|breaker|lb|transport-[a-z0-9]+)\/|task_queues/.test(f), `no engine frame: ${f}\n${err.stack}`);
  }
}

test('remote and local failures rethrow at the awaiting line, through breakers and failover', async () => {
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  server.provide(Svc, {
    fail: (m) => { throw Object.assign(new Error(m), { javaClass: 'java.lang.IllegalStateException' }); },
    slow: (ms) => new Promise((r) => setTimeout(() => r('late'), ms)),
  });
  await server.start();
  const client = createRuntime({ protocols: [dubbo()], breakers: () => new BreakerSet() });
  try {
    const url = `127.0.0.1:${server.address().port}`;
    const svc = client.refer(Svc, { url, cluster: 'failover' });
    let line;
    // A business exception from the peer.
    try {
      line = lineHere(); await svc.fail('boom');
      assert.fail('no error');
    } catch (err) {
      assertCallerStack(err, line, 'BUSINESS');
      assert.equal(err.message, 'boom');
      assert.equal(err.remoteClass, 'java.lang.IllegalStateException');
    }
    // A timeout (made by a timer in the engine).
    try {
      line = lineHere(); await client.refer(Svc, { url, timeout: 50 }).slow(300);
      assert.fail('no error');
    } catch (err) {
      assertCallerStack(err, line, 'TIMEOUT');
    }
    // Nothing listening, through the breaker and failover's retries.
    try {
      line = lineHere(); await client.refer(Svc, { url: ['127.0.0.1:1', '127.0.0.1:2'], cluster: 'failover' }).fail('x');
      assert.fail('no error');
    } catch (err) {
      assertCallerStack(err, line, 'UNAVAILABLE');
    }
    // A wrong number of arguments is a typed error too, at the caller.
    try {
      line = lineHere(); await svc.fail();
      assert.fail('no error');
    } catch (err) {
      assertCallerStack(err, line, 'INVALID_ARGUMENT');
    }
    // One shared error must not be rewritten in place: each caller gets its own copy.
    const [a, b] = await Promise.allSettled([svc.fail('one'), svc.fail('two')]);
    assert.notEqual(a.reason, b.reason);
  } finally {
    await client.stop(0);
    await server.stop(0);
  }
});
