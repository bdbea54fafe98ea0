import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyInterceptors, Code, createInvocation, defineService, MemoryConfigSource, RpcError, t, type Invoker } from '@meshlet/core';
import { FlowRules } from './flow-rules.js';
import { FlowRefusedError, isFlowRefusal } from './refusal.js';
import { flowResourceNames } from './resource-names.js';
import { parseFlowRules } from './rule.js';

const Orders = defineService({
  interface: 'com.acme.Orders',
  version: '1.0.0',
  group: 'gold',
  methods: {
    place: { params: [t.string, t.int32, t.list(t.string)], returns: t.string },
    get: { params: [t.int64], returns: t.string },
    ping: { params: [] },
  },
});
const PLACE = 'com.acme.Orders:place(java.lang.String,int,java.util.List)';

function clock(start = 1_000_000) {
  const c = { now: start, read: () => c.now };
  return c;
}

function call(method: 'place' | 'get' | 'ping' = 'place', app?: string) {
  const inv = createInvocation(Orders, Orders.methods.get(method)!, []);
  if (app !== undefined) inv.attachments['remote.application'] = app;
  return inv;
}

test('resource names are those of Sentinel\'s Dubbo adapters (interface, method with Class.getName() types, options)', () => {
  const place = Orders.methods.get('place')!;
  assert.deepEqual(flowResourceNames(Orders, place, 'provider'), { interface: 'com.acme.Orders', method: PLACE });
  assert.deepEqual(flowResourceNames(Orders, Orders.methods.get('ping')!, 'consumer'), { interface: 'com.acme.Orders', method: 'com.acme.Orders:ping()' });
  assert.equal(flowResourceNames(Orders, Orders.methods.get('get')!, 'provider').method, 'com.acme.Orders:get(long)');
  assert.equal(flowResourceNames(Orders, place, 'provider', { groupAndVersion: true }).method,
    'com.acme.Orders:1.0.0:gold:place(java.lang.String,int,java.util.List)');
  const bare = defineService({ interface: 'com.acme.Bare', methods: { m: { params: [t.bytes] } } });
  assert.deepEqual(flowResourceNames(bare, bare.methods.get('m')!, 'provider', { groupAndVersion: true }),
    { interface: 'com.acme.Bare::', method: 'com.acme.Bare:::m([B)' });
  assert.equal(flowResourceNames(Orders, place, 'provider', { prefix: true }).interface, 'dubbo:provider:com.acme.Orders');
  assert.equal(flowResourceNames(Orders, place, 'consumer', { prefix: true }).method, `dubbo:consumer:${PLACE}`);
  assert.equal(flowResourceNames(Orders, place, 'consumer', { prefix: { consumer: 'out:', provider: 'in:' } }).interface, 'out:com.acme.Orders');
  assert.equal(flowResourceNames(Orders, place, 'provider', { prefix: { consumer: 'out:' } }).interface, 'dubbo:provider:com.acme.Orders');
});

test('rules in Sentinel\'s JSON: defaults filled in, dashboard fields ignored, bad rules refused with typed errors', () => {
  const [rule] = parseFlowRules('[{"id":3,"app":"orders","ip":"10.0.0.1","port":8719,"gmtCreate":1,"resource":"r","count":5,"clusterMode":false,"limitApp":""}]');
  assert.deepEqual(rule, { resource: 'r', grade: 1, count: 5, limitApp: 'default', strategy: 0, refResource: undefined, controlBehavior: 0, warmUpPeriodSec: 10, maxQueueingTimeMs: 500 });
  const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);
  const unsupported = (e: unknown) => RpcError.is(e, Code.Unsupported);
  assert.throws(() => parseFlowRules('{"resource":"r"}'), invalid);
  assert.throws(() => parseFlowRules('[{"resource":"r"'), invalid);
  assert.throws(() => parseFlowRules([{ resource: ' ', count: 1 }]), (e: unknown) => invalid(e) && /\[0\].*resource/.test((e as Error).message));
  assert.throws(() => parseFlowRules([{ resource: 'r' }]), (e: unknown) => invalid(e) && /\(r\): "count"/.test((e as Error).message));
  assert.throws(() => parseFlowRules([{ resource: 'r', count: -1 }]), invalid);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, grade: 2 }]), invalid);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, controlBehavior: 4 }]), invalid);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, controlBehavior: 1, warmUpPeriodSec: 0 }]), invalid);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, controlBehavior: 2, maxQueueingTimeMs: 0 }]), invalid);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, strategy: 1 }]), (e: unknown) => invalid(e) && /refResource/.test((e as Error).message));
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, strategy: 2, refResource: 'entry' }]), unsupported);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, clusterMode: true }]), unsupported);
  assert.throws(() => parseFlowRules([{ resource: 'r', count: 1, limitApp: 7 }]), invalid);
  assert.deepEqual(parseFlowRules(''), []);
  assert.deepEqual(parseFlowRules('[{"resource":"r","count":"12.5","grade":"1","controlBehavior":"2","maxQueueingTimeMs":"300"}]')[0],
    { resource: 'r', grade: 1, count: 12.5, limitApp: 'default', strategy: 0, refResource: undefined, controlBehavior: 2, warmUpPeriodSec: 10, maxQueueingTimeMs: 300 },
    'numbers as strings read as numbers, as fastjson binds them');
  assert.throws(() => parseFlowRules('[{"resource":"r","count":"ten"}]'), invalid);
  const flow = new FlowRules({ rules: [{ resource: 'r', count: 1 }] });
  assert.throws(() => flow.set([{ resource: 'r', count: 2 }, { resource: 's', count: 1, grade: 9 }]), invalid);
  assert.equal(flow.rules()[0]!.count, 1, 'a refused set leaves the rules in force');
  assert.throws(() => new FlowRules({ coldFactor: 1 }), invalid);
});

test('limitApp: a named caller, `other` (each other caller counted apart), `default` (everyone together)', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [
    { resource: 'r', count: 100 },
    { resource: 'r', count: 2, limitApp: 'web' },
    { resource: 'r', count: 3, limitApp: 'other' },
  ] });
  const pass = (origin: string, n: number) => Array.from({ length: n }, () => flow.entry('r', origin)).filter((x) => x === 0).length;
  assert.equal(pass('web', 5), 2);
  assert.equal(flow.refusal('r')!.limitApp, 'web');
  assert.equal(pass('batch', 5), 3);
  assert.equal(pass('cron', 5), 3, 'each other caller has its own count');
  assert.equal(pass('', 10), 10, 'no caller: only the default rule applies');
  assert.equal(flow.stats('r').passQps, 18);
  // The default rule counts everyone: 82 places left in this second.
  assert.equal(pass('', 100), 82);
  assert.equal(pass('web2', 1), 0, 'refused by the default rule now');
  assert.equal(flow.refusal('r')!.limitApp, 'default');
});

test('relate: a resource limited by another resource\'s traffic', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'write', count: 3, strategy: 1, refResource: 'read' }] });
  assert.equal(flow.entry('write'), 0, 'read is quiet');
  for (let i = 0; i < 3; i++) assert.equal(flow.entry('read'), 0, 'read itself has no rule');
  assert.equal(flow.entry('write'), -1, 'read passed 3 in the last second');
  c.now += 1000;
  assert.equal(flow.entry('write'), 0);
});

test('interceptors: both resources entered, refusals typed (SERVER_BUSY naming the rule), THREAD places given back', async () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [
    { resource: 'com.acme.Orders', count: 4 },
    { resource: PLACE, grade: 0, count: 2 },
  ] });
  const pending: (() => void)[] = [];
  const slow: Invoker = () => new Promise((resolve) => pending.push(() => resolve('ok')));
  const server = applyInterceptors(slow, [flow.serverInterceptor]);
  const a = server(call());
  const b = server(call());
  await assert.rejects(server(call('place', 'web')), (e: unknown) => e instanceof FlowRefusedError && RpcError.is(e, Code.ServerBusy)
    && e.message === `flow control: ${PLACE} refused for caller web by FlowRule{resource=${PLACE}, limitApp=default, grade=THREAD, count=2} (SentinelBlockException: FlowException)`
    && isFlowRefusal(e));
  assert.equal(flow.stats(PLACE).threads, 2);
  assert.equal(flow.stats('com.acme.Orders').passQps, 3, 'the interface counted the call the method refused');
  pending.shift()!();
  assert.equal(await a, 'ok');
  assert.equal(flow.stats(PLACE).threads, 1);
  const d = server(call()); // the interface's 4th pass in this second
  await assert.rejects(server(call('get')), (e: unknown) => e instanceof FlowRefusedError && e.resource === 'com.acme.Orders');
  for (const settle of pending.splice(0)) settle();
  assert.deepEqual(await Promise.all([b, d]), ['ok', 'ok']);
  assert.equal(flow.stats(PLACE).threads, 0);
  // A rule change reaches the next call.
  c.now += 1000;
  flow.set([{ resource: 'com.acme.Orders:get(long)', count: 0 }]);
  await assert.rejects(applyInterceptors(async () => 'ok', [flow.serverInterceptor])(call('get')), isFlowRefusal);
  assert.equal(await applyInterceptors(async () => 'ok', [flow.serverInterceptor])(call('place')), 'ok');
});

test('interceptors: a THREAD rule removed while calls are in flight leaves no count behind; sync throws give places back', async () => {
  const flow = new FlowRules({ rules: [{ resource: PLACE, grade: 0, count: 1 }] });
  let release!: () => void;
  const held = applyInterceptors(() => new Promise((r) => (release = () => r('ok'))), [flow.serverInterceptor])(call());
  flow.set([]);
  release();
  await held;
  flow.set([{ resource: PLACE, grade: 0, count: 1 }]);
  assert.equal(flow.stats(PLACE).threads, 0);
  const throwing = applyInterceptors(() => { throw new Error('sync'); }, [flow.serverInterceptor]);
  assert.throws(() => throwing(call()), /sync/);
  assert.equal(flow.stats(PLACE).threads, 0);
  await assert.rejects(applyInterceptors(async () => { throw new Error('async'); }, [flow.serverInterceptor])(call()), /async/);
  assert.equal(flow.stats(PLACE).threads, 0);
});

test('interceptors: a THREAD rule per caller counts each caller\'s calls in flight', async () => {
  const flow = new FlowRules({ rules: [{ resource: 'com.acme.Orders', grade: 0, count: 1, limitApp: 'web' }] });
  const pending: (() => void)[] = [];
  const server = applyInterceptors(() => new Promise((r) => pending.push(() => r('ok'))), [flow.serverInterceptor]);
  const first = server(call('place', 'web'));
  await assert.rejects(server(call('get', 'web')), isFlowRefusal);
  const other = server(call('get', 'batch'));
  pending.shift()!();
  await first;
  const again = server(call('get', 'web'));
  for (const settle of pending.splice(0)) settle();
  assert.deepEqual(await Promise.all([other, again]), ['ok', 'ok']);
});

test('interceptors: the rate limiter queues a call for its turn; refusal as Sentinel answers it; the consumer names its application', async () => {
  const c = clock(); // decisions on a still clock; the queued call's wait is a real timer
  const flow = new FlowRules({ clock: c.read, refusal: 'sentinel', application: 'shop', rules: [{ resource: 'com.acme.Orders', count: 20, controlBehavior: 2, maxQueueingTimeMs: 60 }] });
  const server = applyInterceptors(async () => 'ok', [flow.serverInterceptor]);
  const started = performance.now();
  const results = await Promise.allSettled([server(call()), server(call()), server(call()), server(call())]);
  const took = performance.now() - started;
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  assert.ok(took >= 45, `the second call waited its 50 ms turn (${took.toFixed(1)} ms)`);
  const refused = (results[2] as PromiseRejectedResult).reason as RpcError;
  assert.equal(refused.code, Code.Business);
  assert.equal(refused.remoteClass, 'java.lang.RuntimeException');
  assert.equal(refused.message, 'SentinelBlockException: FlowException');
  assert.ok(isFlowRefusal(refused) && refused.cause instanceof FlowRefusedError);
  // Without prefixes the consumer side names the same resources (one FlowRules for both sides
  // shares their counts, as one Sentinel does in a JVM): a second later the pace allows it again.
  c.now += 1000;
  const seen: Record<string, string>[] = [];
  const client = applyInterceptors(async (inv) => { seen.push({ ...inv.attachments }); return 'ok'; }, [flow.clientInterceptor]);
  await client(call('ping'));
  assert.equal(seen[0]!.dubboApplication, 'shop');
});

test('rules from a config source: each version applies, a bad one is refused (rules stay), removal clears', () => {
  const source = new MemoryConfigSource();
  const flow = new FlowRules();
  const errors: RpcError[] = [];
  source.set('orders-flow-rules', 'SENTINEL_GROUP', '[{"resource":"r","count":1}]');
  const stop = flow.watch(source, 'orders-flow-rules', 'SENTINEL_GROUP', (e) => errors.push(e));
  assert.equal(flow.rules().length, 1);
  assert.equal(flow.entry('r'), 0);
  assert.equal(flow.entry('r'), -1);
  source.set('orders-flow-rules', 'SENTINEL_GROUP', '[{"resource":"r","count":1,"clusterMode":true}]');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, Code.Unsupported);
  assert.equal(flow.rules()[0]!.count, 1);
  source.set('orders-flow-rules', 'SENTINEL_GROUP', '[{"resource":"r","count":7}]');
  assert.equal(flow.rules()[0]!.count, 7);
  source.set('orders-flow-rules', 'SENTINEL_GROUP', undefined);
  assert.deepEqual(flow.rules(), []);
  assert.equal(flow.entry('r'), 0);
  stop();
  source.set('orders-flow-rules', 'SENTINEL_GROUP', '[{"resource":"r","count":0}]');
  assert.deepEqual(flow.rules(), [], 'stopped');
});

test('origins are bounded: callers past maxOrigins share one count', () => {
  const flow = new FlowRules({ maxOrigins: 2, rules: [{ resource: 'r', count: 1, limitApp: 'other' }] });
  assert.equal(flow.entry('r', 'a'), 0);
  assert.equal(flow.entry('r', 'b'), 0);
  assert.equal(flow.entry('r', 'c'), 0);
  assert.equal(flow.entry('r', 'd'), -1, 'c and d share the overflow count');
  assert.equal(flow.entry('r', 'a'), -1);
});

test('interceptors: naming options reach the resources; a custom origin parser', async () => {
  const flow = new FlowRules({
    naming: { prefix: true, groupAndVersion: true },
    origin: (inv) => inv.attachments['x-caller'] ?? '',
    rules: [
      { resource: 'dubbo:provider:com.acme.Orders:1.0.0:gold', count: 0, limitApp: 'web' },
      { resource: 'dubbo:consumer:com.acme.Orders:1.0.0:gold:ping()', count: 0 },
    ],
  });
  const ok = async () => 'ok';
  const server = applyInterceptors(ok, [flow.serverInterceptor]);
  const fromWeb = call('get');
  fromWeb.attachments['x-caller'] = 'web';
  await assert.rejects(server(fromWeb), (e: unknown) => e instanceof FlowRefusedError && e.origin === 'web' && e.resource === 'dubbo:provider:com.acme.Orders:1.0.0:gold');
  assert.equal(await server(call('get', 'web')), 'ok', 'remote.application is not read with a custom parser');
  const client = applyInterceptors(ok, [flow.clientInterceptor]);
  await assert.rejects(client(call('ping')), (e: unknown) => e instanceof FlowRefusedError && e.origin === '');
  assert.equal(await client(call('get')), 'ok');
});

test('property: any JSON document either yields valid rules or is refused with a typed error', () => {
  const field = fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 4 }), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
  const rule = fc.record({
    resource: fc.oneof(fc.string(), fc.constant('r'), fc.integer()), count: field, grade: field, strategy: field, refResource: field,
    controlBehavior: field, warmUpPeriodSec: field, maxQueueingTimeMs: field, limitApp: field, clusterMode: field, regex: field,
  }, { requiredKeys: [] });
  const doc = fc.oneof(fc.array(rule, { maxLength: 4 }), fc.json(), fc.anything());
  fc.assert(fc.property(doc, (value) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
    const flow = new FlowRules({ clock: () => 1_000_000 });
    try {
      flow.set(text);
    } catch (err) {
      assert.ok(RpcError.is(err, Code.InvalidArgument) || RpcError.is(err, Code.Unsupported), String(err));
      return;
    }
    for (const r of flow.rules()) {
      assert.ok(r.count >= 0 && (r.grade === 0 || r.grade === 1) && typeof r.limitApp === 'string' && r.limitApp !== '');
      const answer = flow.entry(r.resource, 'someone');
      assert.ok(answer === -1 || answer >= 0);
    }
  }), { numRuns: 500 });
});
