// Deadlines across two hops, over real Dubbo connections: client → A → B. A's own call to B
// allows 5 s, but it runs inside a call whose caller allowed 300 ms: B sees the remaining budget
// in the `timeout` attachment, and A's call ends when the caller's deadline does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';

const B = defineService({ interface: 'com.example.B', methods: { work: { params: [t.int32], returns: t.string } } });
const A = defineService({ interface: 'com.example.A', methods: { work: { params: [t.int32], returns: t.string } } });

test('the remaining budget propagates downstream and a spent budget is not spent again', async () => {
  const seen = [];
  const b = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  b.provide(B, {
    work: async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return 'b done';
    },
  });
  await b.start();
  const a = createRuntime({
    protocols: [dubbo()],
    server: { host: '127.0.0.1', port: 0 },
    interceptors: [(next) => (inv) => { seen.push(Number(inv.deadline - Date.now())); return next(inv); }],
  });
  const toB = a.refer(B, { url: `127.0.0.1:${b.address().port}`, timeout: 5000 });
  let downstream;
  a.provide(A, {
    work: async (ms) => {
      const t0 = Date.now();
      try {
        return await toB.work(ms);
      } catch (err) {
        downstream = { code: err.code, ms: Date.now() - t0 };
        throw err;
      }
    },
  });
  await a.start();
  const client = createRuntime({ protocols: [dubbo()] });
  const url = `127.0.0.1:${a.address().port}`;
  try {
    // Both connections open first: on a loaded machine connecting two hops can take most of 300 ms
    // (a first call within a 300 ms budget once timed out before it reached B).
    assert.equal(await client.refer(A, { url, timeout: 10_000 }).work(0), 'b done');
    seen.length = 0;
    // Inherited, not A's own 5 s: at most the caller's 3 s, and with seconds to spare for load.
    assert.equal(await client.refer(A, { url, timeout: 3000 }).work(10), 'b done');
    assert.ok(seen[0] <= 3000 && seen[0] > 1000, `A's downstream budget was ${seen[0]} ms, inherited from the caller's 3000`);
    const toA = client.refer(A, { url, timeout: 300 });
    const t0 = Date.now();
    await assert.rejects(toA.work(2000), (e) => e instanceof RpcError && e.code === Code.Timeout);
    // B answers at 2 s: anything under that is the deadline, whatever a loaded machine adds.
    assert.ok(Date.now() - t0 < 1800, `the caller gave up at its deadline (${Date.now() - t0} ms)`);
    for (const end = Date.now() + 10_000; downstream === undefined && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(downstream?.code, Code.Timeout, 'A\'s own call to B ended with the inherited deadline');
    assert.ok(downstream.ms < 1800, `A waited ${downstream.ms} ms for B, not until B answered (2 s) or its own timeout (5 s)`);
  } finally {
    await client.stop(0);
    await a.stop(0);
    await b.stop(0);
  }
});
