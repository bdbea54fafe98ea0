// Server-side limits answer in each protocol's own "overloaded" form, and the caller sees
// SERVER_BUSY (which failover treats as never-executed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, defineService, rateLimit, RpcError, t } from '@meshlet/core';
import { bulkhead } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';

const Svc = defineService({ interface: 'com.meshlet.test.Limited', version: '1.0', methods: { work: { params: [t.int32], returns: t.string } } });

for (const [name, protocol] of [['dubbo', dubbo], ['bolt', bolt], ['motan2', motan2]]) {
  test(`${name}: a rate limit refuses as SERVER_BUSY; a bulkhead too; the method's own RpcErrors stay business failures`, async () => {
    const server = createRuntime({
      protocols: [protocol()],
      server: { host: '127.0.0.1', port: 0 },
      // One token per 4 s, three at once: the four calls below fit in seconds of a loaded machine's
      // time before a fourth token accrues (at 1 per second a slow second once sufficed to refill).
      serverInterceptors: [rateLimit({ rate: 0.25, burst: 3 }), bulkhead({ maxConcurrent: 1 })],
    });
    server.provide(Svc, {
      work: async (ms) => {
        if (ms < 0) throw new RpcError(Code.Timeout, 'a downstream call timed out');
        await new Promise((r) => setTimeout(r, ms));
        return 'done';
      },
    });
    await server.start();
    const client = createRuntime({ protocols: [protocol()] });
    try {
      const svc = client.refer(Svc, { url: `127.0.0.1:${server.address().port}`, cluster: 'failfast' });
      await assert.rejects(svc.work(-1), (e) => RpcError.is(e, Code.Business) && /downstream call timed out/.test(e.message));
      // Sent right behind it on the same connection, the second call finds the first still running:
      // 1 s leaves a loaded machine room to read both.
      const slow = svc.work(1000);
      await assert.rejects(svc.work(0), (e) => RpcError.is(e, Code.ServerBusy), 'bulkhead full');
      assert.equal(await slow, 'done');
      await assert.rejects(svc.work(0), (e) => RpcError.is(e, Code.ServerBusy) && /overloaded/.test(e.message), 'over the rate');
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}
