// Server-side limits answer in each protocol's own "overloaded" form, and the caller sees
// SERVER_BUSY (which failover treats as never-executed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createMeshlet, defineService, rateLimit, RpcError, t } from '@meshlet/core';
import { bulkhead } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';

const Svc = defineService({ interface: 'com.meshlet.test.Limited', version: '1.0', methods: { work: { params: [t.int32], returns: t.string } } });

for (const [name, protocol] of [['dubbo', dubbo], ['bolt', bolt], ['motan2', motan2]]) {
  test(`${name}: a rate limit refuses as SERVER_BUSY; a bulkhead too; the method's own RpcErrors stay business failures`, async () => {
    const server = createMeshlet({
      protocols: [protocol()],
      server: { host: '127.0.0.1', port: 0 },
      serverInterceptors: [rateLimit({ rate: 1, burst: 2 }), bulkhead({ maxConcurrent: 1 })],
    });
    server.provide(Svc, {
      work: async (ms) => {
        if (ms < 0) throw new RpcError(Code.Timeout, 'a downstream call timed out');
        await new Promise((r) => setTimeout(r, ms));
        return 'done';
      },
    });
    await server.start();
    const client = createMeshlet({ protocols: [protocol()] });
    try {
      const svc = client.refer(Svc, { url: `127.0.0.1:${server.address().port}`, cluster: 'failfast' });
      const slow = svc.work(200);
      await assert.rejects(svc.work(0), (e) => RpcError.is(e, Code.ServerBusy), 'bulkhead full');
      assert.equal(await slow, 'done');
      await assert.rejects(svc.work(0), (e) => RpcError.is(e, Code.ServerBusy) && /overloaded/.test(e.message), 'over the rate');
      await new Promise((r) => setTimeout(r, 1100));
      await assert.rejects(svc.work(-1), (e) => RpcError.is(e, Code.Business) && /downstream call timed out/.test(e.message));
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}
