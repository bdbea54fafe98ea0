// Sentinel-style flow rules on a real Dubbo provider: a QPS rule holds under 128 calls in flight
// (checked bucket by bucket, as Sentinel's 2 x 500 ms window counts), refusals reach the consumer
// typed, rules follow the caller's application, and a rule changed at run time (from code or a
// config source) applies to the next calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, defineService, MemoryConfigSource, RpcError, t } from '@meshlet/core';
import { FlowRules, isFlowRefusal } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';

const Echo = defineService({ interface: 'com.meshlet.test.FlowEcho', version: '1.0.0', methods: { echo: { params: [t.string], returns: t.string } } });
const ECHO = 'com.meshlet.test.FlowEcho:echo(java.lang.String)';

let held;
function holdCalls() {
  let resolve;
  held = { promise: new Promise((r) => (resolve = r)) };
  return () => resolve('hold');
}

async function provider(flow, extra = []) {
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor, ...extra] });
  server.provide(Echo, { echo: async (s) => (s === 'hold' ? held.promise : s) });
  await server.start();
  return server;
}

function consumer(server, application) {
  const client = createRuntime({ protocols: [dubbo()], application });
  const echo = client.refer(Echo, { url: `127.0.0.1:${server.address().port}`, cluster: 'failfast', timeout: 10_000 });
  return { client, echo };
}

test('dubbo provider, QPS 100 on the interface, 128 in flight for 3 s: no 1 s window (two 500 ms buckets) admits more than 100; refusals are SERVER_BUSY naming the rule', async (t) => {
  // The flow's clock remembers its last reading, so the interceptor right behind it stamps each
  // admitted call with the very millisecond the rule judged it at.
  let last = 0;
  const flow = new FlowRules({ clock: () => (last = Date.now()), rules: [{ resource: Echo.interface, count: 100 }] });
  const admitted = [];
  const server = await provider(flow, [(next) => (inv) => { admitted.push(last); return next(inv); }]);
  const { client, echo } = consumer(server, 'shop');
  try {
    await echo.echo('warm');
    admitted.length = 0;
    const until = Date.now() + 3000;
    let ok = 0;
    let refused = 0;
    const other = [];
    const worker = async () => {
      while (Date.now() < until) {
        try {
          assert.equal(await echo.echo('x'), 'x');
          ok++;
        } catch (e) {
          if (RpcError.is(e, Code.ServerBusy) && isFlowRefusal(e) && e.message.includes(`refused for caller shop by FlowRule{resource=${Echo.interface}, limitApp=default, grade=QPS, count=100}`)) refused++;
          else other.push(e);
          // A refused call comes back at once; a short pause keeps 128 workers from spinning the CPU.
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    await Promise.all(Array.from({ length: 128 }, worker));
    assert.deepEqual(other, [], 'every failure is a typed flow refusal');
    assert.equal(ok, admitted.length, 'every admitted call answered');
    assert.ok(refused > ok, `most calls refused (${refused} refused, ${ok} admitted)`);
    // Sentinel's guarantee, exactly: any two adjacent 500 ms buckets hold at most `count` passes.
    const buckets = new Map();
    for (const at of admitted) buckets.set(Math.floor(at / 500), (buckets.get(Math.floor(at / 500)) ?? 0) + 1);
    const first = Math.min(...buckets.keys());
    const lastBucket = Math.max(...buckets.keys());
    for (let b = first; b < lastBucket; b++) {
      const pair = (buckets.get(b) ?? 0) + (buckets.get(b + 1) ?? 0);
      assert.ok(pair <= 100, `buckets ${b - first} and ${b - first + 1} admitted ${pair} (> 100)`);
    }
    // And it admits what it may: bursts at the start of a window are Sentinel's too (a window is
    // two buckets, so n buckets hold at most ceil(n / 2) windows' worth: 3 s touch 7, up to 400);
    // saturated, at least 3 windows' worth less a loaded machine's stalls.
    const n = lastBucket - first + 1;
    t.diagnostic(`${ok} admitted, ${refused} refused, in ${n} buckets of 500 ms; busiest pair ${Math.max(...Array.from({ length: n - 1 }, (_, i) => (buckets.get(first + i) ?? 0) + (buckets.get(first + i + 1) ?? 0)))}`);
    assert.ok(ok <= Math.ceil(n / 2) * 100, `${ok} admitted in ${n} buckets`);
    assert.ok(ok >= 200, `${ok} admitted in 3 s`);
  } finally {
    await client.stop(0);
    await server.stop(0);
  }
});

test('dubbo: limitApp matches the consumer\'s application (remote.application); rules set at run time apply to the next call', async () => {
  const flow = new FlowRules({ rules: [{ resource: ECHO, count: 0, limitApp: 'batch' }] });
  const server = await provider(flow);
  const shop = consumer(server, 'shop');
  const batch = consumer(server, 'batch');
  try {
    assert.equal(await shop.echo.echo('a'), 'a');
    await assert.rejects(batch.echo.echo('a'), (e) => RpcError.is(e, Code.ServerBusy) && isFlowRefusal(e)
      && e.message.includes(`refused for caller batch by FlowRule{resource=${ECHO}, limitApp=batch`));
    flow.set([{ resource: ECHO, count: 0, limitApp: 'other' }]);
    await assert.rejects(shop.echo.echo('b'), isFlowRefusal);
    flow.set([]);
    assert.deepEqual(await Promise.all([shop.echo.echo('c'), batch.echo.echo('c')]), ['c', 'c']);
    // THREAD: one call at a time for everyone.
    flow.set([{ resource: Echo.interface, grade: 0, count: 1 }]);
    const release = holdCalls();
    const holding = shop.echo.echo('hold');
    while (flow.stats(Echo.interface).threads === 0) await new Promise((r) => setImmediate(r));
    await assert.rejects(batch.echo.echo('d'), (e) => isFlowRefusal(e) && /grade=THREAD, count=1/.test(e.message));
    release();
    assert.equal(await holding, 'hold');
    assert.equal(await batch.echo.echo('e'), 'e');
  } finally {
    await shop.client.stop(0);
    await batch.client.stop(0);
    await server.stop(0);
  }
});

test('dubbo: rules from a config source (a Sentinel datasource\'s JSON array) change the provider\'s answers; refusal as Sentinel\'s adapter answers it', async () => {
  const source = new MemoryConfigSource();
  const flow = new FlowRules({ refusal: 'sentinel' });
  const errors = [];
  const stop = flow.watch(source, 'flow-echo-flow-rules', 'SENTINEL_GROUP', (e) => errors.push(e));
  const server = await provider(flow);
  const { client, echo } = consumer(server, 'shop');
  try {
    assert.equal(await echo.echo('a'), 'a');
    source.set('flow-echo-flow-rules', 'SENTINEL_GROUP', JSON.stringify([{ resource: ECHO, count: 0, grade: 1, limitApp: 'default', strategy: 0, controlBehavior: 0, clusterMode: false }]));
    // What a consumer of a Java provider guarded by Sentinel's Dubbo adapter sees: a business
    // exception, java.lang.RuntimeException "SentinelBlockException: FlowException".
    await assert.rejects(echo.echo('b'), (e) => RpcError.is(e, Code.Business) && e.remoteClass === 'java.lang.RuntimeException'
      && e.message === 'SentinelBlockException: FlowException' && isFlowRefusal(e));
    source.set('flow-echo-flow-rules', 'SENTINEL_GROUP', '[{"resource":"x","count":1,"strategy":2,"refResource":"y"}]');
    assert.equal(errors.length, 1, 'a chain rule is refused');
    await assert.rejects(echo.echo('c'), isFlowRefusal, 'the rules in force stay');
    source.set('flow-echo-flow-rules', 'SENTINEL_GROUP', '[]');
    assert.equal(await echo.echo('d'), 'd');
  } finally {
    stop();
    await client.stop(0);
    await server.stop(0);
  }
});

test('consumer side: a client rule refuses before anything is sent', async () => {
  let sent = 0;
  const server = await provider(new FlowRules(), [(next) => (inv) => { sent++; return next(inv); }]);
  const flow = new FlowRules({ rules: [{ resource: ECHO, count: 2 }] });
  const client = createRuntime({ protocols: [dubbo()], interceptors: [flow.clientInterceptor] });
  const echo = client.refer(Echo, { url: `127.0.0.1:${server.address().port}`, timeout: 10_000 });
  try {
    const results = await Promise.allSettled([echo.echo('a'), echo.echo('b'), echo.echo('c')]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
    assert.ok(isFlowRefusal(results[2].reason) && RpcError.is(results[2].reason, Code.ServerBusy));
    assert.equal(sent, 2);
  } finally {
    await client.stop(0);
    await server.stop(0);
  }
});

test('each protocol carries a provider\'s refusal in its own busy form, read back as SERVER_BUSY; `sentinel` as a business exception', async (t) => {
  const { bolt } = await import('@meshlet/transport-bolt');
  const { motan2 } = await import('@meshlet/transport-motan');
  const { triple } = await import('@meshlet/transport-triple');
  for (const [name, protocol] of [['dubbo', dubbo], ['bolt', bolt], ['motan2', motan2], ['tri', triple]]) {
    for (const refusal of ['busy', 'sentinel']) {
      const flow = new FlowRules({ refusal, rules: [{ resource: ECHO, count: 0 }] });
      const server = createRuntime({ protocols: [protocol()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor] });
      server.provide(Echo, { echo: async (s) => s });
      await server.start();
      const client = createRuntime({ protocols: [protocol()] });
      try {
        const echo = client.refer(Echo, { url: `127.0.0.1:${server.address().port}`, cluster: 'failfast', timeout: 10_000 });
        const err = await echo.echo('a').then(() => assert.fail(`${name}: not refused`), (e) => e);
        t.diagnostic(`${name} ${refusal}: ${err.code} ${err.remoteClass ?? ''} ${JSON.stringify(err.message.slice(0, 90))}`);
        assert.ok(isFlowRefusal(err), `${name}: the text crossed the wire: ${err.message}`);
        if (refusal === 'busy') assert.ok(RpcError.is(err, Code.ServerBusy), `${name}: ${err.code} ${err.message}`);
        else assert.ok(RpcError.is(err, Code.Business) && /SentinelBlockException: FlowException/.test(err.message), `${name}: ${err.code} ${err.message}`);
      } finally {
        await client.stop(0);
        await server.stop(0);
      }
    }
  }
});

test('dubbo provider, THREAD 16 on the method, 128 in flight for 2 s: never more than 16 running at once; the rest refused, typed', async (t) => {
  const flow = new FlowRules({ rules: [{ resource: ECHO, grade: 0, count: 16 }] });
  let running = 0;
  let most = 0;
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor] });
  server.provide(Echo, {
    echo: async (s) => {
      most = Math.max(most, ++running);
      try {
        await new Promise((r) => setTimeout(r, 20));
        return s;
      } finally {
        running--;
      }
    },
  });
  await server.start();
  const { client, echo } = consumer(server, 'shop');
  try {
    const until = Date.now() + 2000;
    let ok = 0;
    let refused = 0;
    const other = [];
    await Promise.all(Array.from({ length: 128 }, async () => {
      while (Date.now() < until) {
        try {
          await echo.echo('x');
          ok++;
        } catch (e) {
          if (RpcError.is(e, Code.ServerBusy) && isFlowRefusal(e) && /grade=THREAD, count=16/.test(e.message)) refused++;
          else other.push(e);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }));
    t.diagnostic(`${ok} answered, ${refused} refused, at most ${most} running at once`);
    assert.deepEqual(other, []);
    assert.ok(most <= 16, `${most} ran at once`);
    assert.ok(ok > 0 && refused > 0);
    assert.equal(flow.stats(ECHO).threads, 0, 'every place given back');
  } finally {
    await client.stop(0);
    await server.stop(0);
  }
});
