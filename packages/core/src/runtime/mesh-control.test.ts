import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint, type Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { LoadBalancer } from '../load-balancer.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import type { Registry } from '../registry.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import type { MeshCluster, MeshControl, MeshPolicy, MeshRetryPolicy, MeshRoute } from './mesh-control.js';
import { LiveMeshReference } from './mesh-reference.js';
import { createRuntime } from './meshlet.js';

// The core hook on its own: a hand-made control plane over an in-process protocol whose
// endpoints behave as each test scripts them (answer with their port, fail, hang until the deadline).

type Behaviour = (inv: Invocation) => Promise<unknown>;
const behaviours = new Map<number, Behaviour>();
const answer: Behaviour = async (inv) => inv.peer ?? 'answered';
const failWith = (code: Code): Behaviour => async () => { throw new RpcError(code, `scripted ${code}`); };
/** Hangs until the attempt's own deadline, then times out (as the connection engine does). */
const hang: Behaviour = (inv) => new Promise((_, reject) => {
  setTimeout(() => reject(new RpcError(Code.Timeout, 'scripted timeout')), Math.max(0, inv.deadline - Date.now()));
});

const protocol: Protocol = {
  name: 'meshtest',
  defaultPort: 1,
  createClient(ep: Endpoint): ProtocolClient {
    return {
      endpoint: ep, available: true,
      invoke: (inv) => (behaviours.get(ep.port) ?? answer)(inv).then(() => ep.port),
      close: async () => {},
    };
  },
  createServer: () => { throw new Error('not used'); },
  toUrl: () => '',
  fromUrl: () => undefined,
};

const Svc = defineService({ interface: 'com.example.Meshed', methods: { who: { params: [], returns: t.int32, idempotent: false } } });

function cluster(name: string, ports: number[], extra: Partial<MeshCluster> = {}): MeshCluster {
  const eps = ports.map((p) => endpoint('meshtest', '127.0.0.1', p));
  return { name, subscribe: (listener) => { listener(eps); return () => {}; }, ...extra };
}

function route(targets: [MeshCluster, number][], more: Partial<MeshRoute> = {}): MeshRoute {
  return { targets: targets.map(([c, weight]) => ({ cluster: c, weight })), totalWeight: targets.reduce((s, [, w]) => s + w, 0), ...more };
}

function policy(r: MeshRoute): MeshPolicy {
  return { route: () => r, clusters: r.targets.map((x) => x.cluster) };
}

function runtime(ref: LiveMeshReference, extra: { registry?: Registry; loadBalancer?: () => LoadBalancer } = {}) {
  const mesh: MeshControl = { reference: ({ service }) => (service.interface === Svc.interface ? ref : undefined) };
  return createRuntime({ protocols: [protocol], mesh, timeout: 2000, ...extra });
}

const retryOn = (codes: Code[], more: Partial<MeshRetryPolicy> = {}): MeshRetryPolicy =>
  ({ retries: 1, on: new Set(codes), backoffBaseMs: 1, backoffMaxMs: 2, ...more });

test('weighted clusters split calls by weight; a new policy moves them, and in-flight calls finish on the old cluster', async () => {
  behaviours.clear();
  const ref = new LiveMeshReference();
  const stable = cluster('stable', [101]);
  const canary = cluster('canary', [102]);
  ref.set(policy(route([[stable, 80], [canary, 20]])));
  const app = runtime(ref);
  const svc = app.refer(Svc);
  const counts = new Map<number, number>();
  const n = 2000;
  for (let i = 0; i < n; i += 100) {
    const ports = await Promise.all(Array.from({ length: 100 }, () => svc.who()));
    for (const p of ports) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const share = (counts.get(102) ?? 0) / n;
  // 2,000 draws at p = 0.2: σ ≈ 0.009, so ±0.05 is over 5σ.
  assert.ok(Math.abs(share - 0.2) < 0.05, `canary share ${share}`);

  // A call in flight on the old cluster when the policy moves everything to the canary.
  let release!: () => void;
  behaviours.set(101, () => new Promise<void>((resolve) => { release = resolve; }));
  ref.set(policy(route([[stable, 100]])));
  const inFlight = svc.who();
  await new Promise((r) => setImmediate(r));
  ref.set(policy(route([[canary, 1]])));
  assert.equal(await svc.who(), 102);
  release();
  assert.equal(await inFlight, 101, 'the call finished on the cluster it began with');
  const snap = app.introspect().references.map((r) => r.service);
  assert.deepEqual(snap, ['com.example.Meshed cluster=canary'], 'the retired cluster is gone once its call settled');
  await app.stop(0);
});

test('a route timeout caps the deadline; calls wait for the first policy; a refusal fails unsent', async () => {
  behaviours.clear();
  behaviours.set(201, hang);
  const ref = new LiveMeshReference();
  const app = runtime(ref);
  const svc = app.refer(Svc);
  const pending = svc.who();
  setTimeout(() => ref.set(policy(route([[cluster('slow', [201]), 1]], { timeoutMs: 150 }))), 50);
  const started = Date.now();
  await assert.rejects(pending, (e: unknown) => RpcError.is(e, Code.Timeout));
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 1500, `timed out after ${took} ms (50 ms waiting for the policy + the route's 150)`);
  ref.set({ route: () => ({ refusal: Code.Unavailable, message: 'no route for it' }), clusters: [] });
  await assert.rejects(svc.who(), (e: unknown) => RpcError.is(e, Code.Unavailable) && /no route/.test((e as Error).message));
  await app.stop(0);
});

test('retry policy: listed codes go to another endpoint; others do not; a per-try timeout is retried', async () => {
  behaviours.clear();
  behaviours.set(301, failWith(Code.Unavailable));
  behaviours.set(302, answer);
  const ref = new LiveMeshReference();
  const both = cluster('both', [301, 302]);
  ref.set(policy(route([[both, 1]], { retry: retryOn([Code.Unavailable]) })));
  const app = runtime(ref);
  const svc = app.refer(Svc);
  for (let i = 0; i < 10; i++) assert.equal(await svc.who(), 302);

  // Fresh endpoints: UNAVAILABLE sidelined 301 in the pool (a dead endpoint's answer).
  behaviours.set(303, failWith(Code.ServerError));
  ref.set(policy(route([[cluster('other', [303, 304]), 1]], { retry: retryOn([Code.Unavailable]) })));
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => svc.who()));
  assert.ok(results.some((r) => r.status === 'rejected' && RpcError.is(r.reason, Code.ServerError)), 'SERVER_ERROR is not in retry_on');

  behaviours.set(305, hang);
  const slow = cluster('slow', [305, 306]);
  ref.set(policy(route([[slow, 1]], { retry: retryOn([], { perTryTimeoutMs: 100, perTryTimeoutRetried: true }) })));
  for (let i = 0; i < 4; i++) assert.equal(await svc.who(), 306);
  ref.set(policy(route([[slow, 1]], { retry: retryOn([], { perTryTimeoutMs: 100, retries: 0 }) })));
  const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => svc.who()));
  assert.ok(outcomes.some((r) => r.status === 'rejected' && RpcError.is(r.reason, Code.Timeout)), 'no retries: a per-try timeout fails the call');
  await app.stop(0);
});

test('max_retries bounds retries in flight across calls; max_requests refuses with SERVER_BUSY, unsent', async () => {
  behaviours.clear();
  let sent = 0;
  behaviours.set(401, async () => { sent++; await new Promise((r) => setTimeout(r, 20)); throw new RpcError(Code.Unavailable, 'down'); });
  const ref = new LiveMeshReference();
  const down = cluster('down', [401], { limits: { maxRequests: 1000, maxRetries: 2 } });
  ref.set(policy(route([[down, 1]], { retry: retryOn([Code.Unavailable], { retries: 5, backoffBaseMs: 0, backoffMaxMs: 0 }) })));
  const app = runtime(ref);
  const svc = app.refer(Svc);
  await Promise.allSettled(Array.from({ length: 20 }, () => svc.who()));
  // 20 first attempts; retries at most 2 in flight at a time, each 20 ms long, so far fewer than 20×5.
  assert.ok(sent >= 22 && sent < 20 + 60, `attempts sent: ${sent}`);

  behaviours.set(402, (inv) => new Promise((r) => setTimeout(r, 100, inv)));
  const busy = cluster('busy', [402], { limits: { maxRequests: 3, maxRetries: 3 } });
  ref.set(policy(route([[busy, 1]])));
  const calls = await Promise.allSettled(Array.from({ length: 5 }, () => svc.who()));
  assert.equal(calls.filter((c) => c.status === 'fulfilled').length, 3);
  assert.ok(calls.slice(3).every((c) => c.status === 'rejected' && RpcError.is(c.reason, Code.ServerBusy) && /max_requests/.test(c.reason.message)));
  await app.stop(0);
});

test('fault: an abort share fails calls with its code, unsent; a delay holds them; removing the fault restores them', async () => {
  behaviours.clear();
  let sent = 0;
  behaviours.set(501, async () => { sent++; });
  const ref = new LiveMeshReference();
  const c = cluster('faulty', [501]);
  ref.set(policy(route([[c, 1]], { fault: { delayShare: 0, delayMs: 0, abortShare: 1, abortCode: Code.ServerBusy } })));
  const app = runtime(ref);
  const svc = app.refer(Svc);
  await assert.rejects(svc.who(), (e: unknown) => RpcError.is(e, Code.ServerBusy) && /fault injected/.test((e as Error).message));
  assert.equal(sent, 0);
  ref.set(policy(route([[c, 1]], { fault: { delayShare: 1, delayMs: 120, abortShare: 0, abortCode: Code.ServerBusy } })));
  const t0 = Date.now();
  assert.equal(await svc.who(), 501);
  assert.ok(Date.now() - t0 >= 115, 'delayed');
  ref.set(policy(route([[c, 1]], { timeoutMs: 50, fault: { delayShare: 1, delayMs: 500, abortShare: 0, abortCode: Code.ServerBusy } })));
  await assert.rejects(svc.who(), (e: unknown) => RpcError.is(e, Code.Timeout), 'a delay past the deadline times out');
  ref.set(policy(route([[c, 1]])));
  assert.equal(await svc.who(), 501);
  await app.stop(0);
});

test('a route hash policy sets the call\'s hashKey for the cluster\'s balancer; other references keep the registry path', async () => {
  behaviours.clear();
  const keys: (string | undefined)[] = [];
  const seeing = (): LoadBalancer => ({ name: 'seeing', pick: (cs, inv) => { keys.push(inv.hashKey); return cs[0]!; } });
  const ref = new LiveMeshReference();
  ref.set(policy(route([[cluster('hashed', [601, 602], { balancer: seeing }), 1]], { hashKey: (inv) => inv.attachments.user })));
  const app = runtime(ref);
  const svc = app.refer(Svc, { attachments: { user: 'u-42' } });
  assert.equal(await svc.who(), 601);
  assert.deepEqual(keys, ['u-42']);
  const Other = defineService({ interface: 'com.example.NotMeshed', methods: { who: { params: [], returns: t.int32 } } });
  assert.equal(await app.refer(Other, { url: '127.0.0.1:603' }).who(), 603);
  await app.stop(0);
});

test('calls waiting for the first policy fail SHUTDOWN when the runtime stops', async () => {
  const ref = new LiveMeshReference();
  const app = runtime(ref);
  const svc = app.refer(Svc);
  const waiting = svc.who();
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  await app.stop(0);
  await assert.rejects(waiting, (e: unknown) => RpcError.is(e, Code.Shutdown));
  assert.ok(Date.now() - t0 < 1000, 'not at the deadline');
});

test('a retry budget replaces max_retries: retries in flight are a share of the calls in flight, at least its minimum', async () => {
  behaviours.clear();
  let sent = 0;
  behaviours.set(701, async () => { sent++; await new Promise((r) => setTimeout(r, 20)); throw new RpcError(Code.Unavailable, 'down'); });
  const attempts = async (retryBudget: { percent: number; minConcurrency: number }) => {
    const ref = new LiveMeshReference();
    const c = cluster('budget', [701], { limits: { maxRequests: 1000, maxRetries: 0, retryBudget } });
    ref.set(policy(route([[c, 1]], { retry: retryOn([Code.Unavailable], { retries: 5, backoffBaseMs: 0, backoffMaxMs: 0 }) })));
    const app = runtime(ref);
    const svc = app.refer(Svc);
    sent = 0;
    await Promise.allSettled(Array.from({ length: 20 }, () => svc.who()));
    await app.stop(0);
    return sent;
  };
  // 100 % of 20 in flight: every call makes all its 5 retries (max_retries 0 is ignored).
  assert.equal(await attempts({ percent: 100, minConcurrency: 0 }), 120);
  // 10 %: 2 retries in flight at a time (20 in flight), then fewer as calls end; the minimum keeps 1 going.
  const few = await attempts({ percent: 10, minConcurrency: 1 });
  assert.ok(few > 20 && few < 60, `attempts: ${few}`);
});

test('stream methods go through a control plane\'s route too (the route picks the cluster; the transport streams)', async () => {
  const streaming: Protocol = {
    ...protocol,
    name: 'meshstream',
    streams: true,
    createClient: (ep: Endpoint): ProtocolClient => ({
      endpoint: ep, available: true, close: async () => {},
      invoke: async (inv) => (async function* () {
        for (let i = 0; i < (inv.args[0] as number); i++) yield ep.port * 10 + i;
      })(),
    }),
  };
  const Counter = defineService({ interface: 'com.example.Counter', methods: { count: { params: [t.int32], returns: t.int32, stream: true } } });
  const ref = new LiveMeshReference();
  const eps = [endpoint('meshstream', '127.0.0.1', 81)];
  const streams: MeshCluster = { name: 'streams', subscribe: (listener) => { listener(eps); return () => {}; } };
  ref.set(policy(route([[streams, 1]], { timeoutMs: 1000 })));
  const app = createRuntime({ protocols: [streaming], mesh: { reference: () => ref } });
  const items: number[] = [];
  for await (const i of app.refer(Counter).count(3)) items.push(i as number);
  assert.deepEqual(items, [810, 811, 812]);
  await app.stop(0);
});
