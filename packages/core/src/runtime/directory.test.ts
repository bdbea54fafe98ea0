import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint, type Endpoint } from '../endpoint.js';
import type { EndpointBreakers } from '../breakers.js';
import type { Invocation } from '../invocation.js';
import { roundRobin, type Candidate, type EndpointSetChooser, type LoadBalancer } from '../load-balancer.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import { ClientPool } from './client-pool.js';
import { Directory } from './directory.js';
import { tagRouter } from './router.js';

/** Clients whose availability the test flips, counting how often anyone asks. */
function fakes() {
  const down = new Set<number>();
  let reads = 0;
  const protocol = {
    name: 'fake',
    createClient(e: Endpoint): ProtocolClient {
      return {
        endpoint: e,
        get available() { reads++; return !down.has(e.port); },
        invoke: async () => e.port,
        close: async () => {},
      } as unknown as ProtocolClient;
    },
  } as unknown as Protocol;
  return { pool: new ClientPool(new Map([['fake', protocol]]), {} as never), down, reads: () => reads };
}

const inv = { attachments: {}, deadline: Date.now() + 60_000 } as unknown as Invocation;
const list = (n: number, params: (i: number) => Record<string, string> = () => ({})) =>
  Array.from({ length: n }, (_, i) => endpoint('fake', '10.0.0.1', i + 1, params(i)));

/** Records the arrays it is handed, and picks uniformly. */
function spy(): LoadBalancer & { seen: Set<readonly Candidate[]> } {
  const seen = new Set<readonly Candidate[]>();
  return { name: 'spy', seen, pick: (c) => { seen.add(c); return c[Math.floor(Math.random() * c.length)]!; } };
}

test('5,000 endpoints: a pick reads no endpoint beyond the chosen one, and the balancer gets one stable array', async () => {
  const { pool, reads } = fakes();
  const lb = spy();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: list(5000) });
  await dir.select(inv); // the first endpoint list, and the usable list built once
  const before = reads();
  for (let i = 0; i < 1000; i++) dir.select(inv);
  assert.equal(reads() - before, 1000, 'one availability check per call (the chosen member), not 5,000');
  assert.equal(lb.seen.size, 1);
  dir.close();
});

test('an endpoint that goes down is left out at once; one that comes back is used again within the recheck', async () => {
  const { pool, down } = fakes();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})), { endpoints: list(3) });
  await dir.select(inv);
  down.add(2);
  for (let i = 0; i < 300; i++) assert.notEqual((dir.select(inv) as { endpoint: Endpoint }).endpoint.port, 2);
  down.delete(2);
  await new Promise((r) => setTimeout(r, 80));
  const ports = new Set<number>();
  for (let i = 0; i < 300; i++) ports.add((dir.select(inv) as { endpoint: Endpoint }).endpoint.port);
  assert.ok(ports.has(2), 'the recovered endpoint is picked again');
  down.add(1); down.add(2); down.add(3);
  assert.ok(dir.select(inv), 'with every endpoint down one is still tried');
  dir.close();
});

test('a breaker that opens or closes is seen by the next pick (version), with no per-call scan', async () => {
  const { pool } = fakes();
  const open = new Set<number>();
  let version = 0;
  let asked = 0;
  const breakers: EndpointBreakers = {
    allows: (e) => { asked++; return !open.has(e.port); },
    invoke: (_e, invoker, i) => invoker(i),
    update: () => {},
    close: () => {},
    get version() { return version; },
  };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})), { endpoints: list(100) }, breakers);
  await dir.select(inv);
  open.add(7); version++;
  for (let i = 0; i < 2000; i++) assert.notEqual((dir.select(inv) as { endpoint: Endpoint }).endpoint.port, 7);
  assert.ok(asked < 100 + 2000 + 200, `allows asked ${asked} times`);
  open.delete(7); version++;
  const ports = new Set<number>();
  for (let i = 0; i < 2000; i++) ports.add((dir.select(inv) as { endpoint: Endpoint }).endpoint.port);
  assert.ok(ports.has(7));
  dir.close();
});

test('tag routing over a kept list: tagged calls and untagged calls', async () => {
  const { pool } = fakes();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})),
    { endpoints: list(50, (i) => (i < 5 ? { 'dubbo.tag': 'canary' } : {} as Record<string, string>)) });
  await dir.select(inv);
  const tagged = { ...inv, attachments: { 'dubbo.tag': 'canary' } } as Invocation;
  for (let i = 0; i < 200; i++) {
    assert.ok((dir.select(tagged) as { endpoint: Endpoint }).endpoint.port <= 5);
    assert.ok((dir.select(inv) as { endpoint: Endpoint }).endpoint.port > 5);
  }
  dir.close();
});

/** Clients whose calls settle when the test says, in any order. */
function manual() {
  const calls: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const protocol = {
    name: 'fake',
    createClient(e: Endpoint): ProtocolClient {
      return {
        endpoint: e,
        available: true,
        invoke: () => new Promise((resolve, reject) => calls.push({ resolve, reject })),
        close: async () => {},
      } as unknown as ProtocolClient;
    },
  } as unknown as Protocol;
  return { pool: new ClientPool(new Map([['fake', protocol]]), {} as never), calls };
}

test('latency goes to the balancer through a reporter bound once per endpoint, with the count of calls in flight already down', async () => {
  const { pool, calls } = manual();
  const bound: Endpoint[] = [];
  const reports: { port: number; ms: number; error: unknown; pendingThen: number }[] = [];
  let member: Candidate | undefined;
  const lb: LoadBalancer = {
    name: 'learning',
    pick: (c) => c[0]!,
    report: () => assert.fail('report is not called when reporter is there'),
    reporter: (e) => {
      bound.push(e);
      return { report: (ms, error) => void reports.push({ port: e.port, ms, error, pendingThen: member!.pending }) };
    },
  };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: list(2) });
  member = await dir.select(inv);
  const sent = Array.from({ length: 3 }, () => dir.send(member as never, inv));
  assert.equal(member.pending, 3);
  calls[0]!.resolve('a');
  calls[1]!.reject(new Error('boom'));
  calls[2]!.resolve('c');
  assert.equal(await sent[0], 'a');
  await assert.rejects(sent[1]!, /boom/);
  assert.equal(await sent[2], 'c');
  assert.deepEqual(bound.map((e) => e.port), [1, 2], 'one reporter per member, made when it joined');
  assert.deepEqual(reports.map((r) => [r.port, r.pendingThen, r.error instanceof Error]), [[1, 2, false], [1, 1, true], [1, 0, false]]);
  for (const r of reports) assert.ok(r.ms >= 0 && r.ms < 10_000, String(r.ms));
  assert.equal(member.pending, 0);
  dir.close();
});

test('each answer is credited with the age of the oldest call in flight: exact in order, never less than its own out of order, over a grown ring', async () => {
  const { pool, calls } = manual();
  const reports: number[] = [];
  const lb: LoadBalancer = { name: 'learning', pick: (c) => c[0]!, report: (_e, ms) => void reports.push(ms) };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: list(1) });
  const m = await dir.select(inv);
  // 20 calls out (past the ring's first sizes), 30 ms apart from the rest for the first one.
  const first = dir.send(m, inv);
  const t0 = performance.now();
  while (performance.now() - t0 < 30) { /* the first call ages 30 ms */ }
  const rest = Array.from({ length: 19 }, () => dir.send(m, inv));
  // The newest answers first: it is credited with the oldest's age (≥ 30 ms), not its own (≈ 0).
  calls[19]!.resolve(19);
  await rest[18];
  assert.equal(reports.length, 1);
  assert.ok(reports[0]! >= 29, `the newest answer's sample ${reports[0]} is the oldest call's age`);
  // Then the rest, the oldest last: each answer takes one send time off the queue.
  for (let i = 1; i < 19; i++) calls[i]!.resolve(i);
  calls[0]!.resolve(0);
  await Promise.all([first, ...rest]);
  assert.equal(reports.length, 20);
  assert.equal(m.pending, 0);
  // Nothing left queued: a new call alone is credited with its own latency.
  const alone = dir.send(m, inv);
  const t1 = performance.now();
  while (performance.now() - t1 < 5) { /* ages 5 ms */ }
  calls[20]!.resolve(20);
  await alone;
  assert.ok(reports[20]! >= 4.9 && reports[20]! < 5_000, String(reports[20]));
  dir.close();
});

test('a breaker set with gates: healthy calls go straight to the client and are told to the gate once each; a watched endpoint\'s go through invoke; errors counted once either way', async () => {
  const { pool, calls } = manual();
  let passes = true;
  const told: string[] = [];
  let viaInvoke = 0;
  let refuse = false;
  const breakers: EndpointBreakers = {
    allows: () => true,
    invoke: (_e, invoker, i) => {
      viaInvoke++;
      return refuse ? Promise.reject(new Error('breaker open')) : invoker(i);
    },
    gate: () => ({
      passes: () => passes,
      answered: () => void told.push('answered'),
      failed: (err) => void told.push(`failed ${(err as Error).message}`),
    }),
    update: () => {},
    close: () => {},
  };
  const reports: unknown[] = [];
  const lb: LoadBalancer = { name: 'learning', pick: (c) => c[0]!, report: (_e, _ms, err) => void reports.push(err === undefined ? 'ok' : (err as Error).message) };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: list(1) }, breakers);
  const m = await dir.select(inv);
  const ok = dir.send(m, inv);
  const bad = dir.send(m, inv);
  calls[0]!.resolve('a');
  calls[1]!.reject(new Error('reset'));
  assert.equal(await ok, 'a');
  await assert.rejects(bad, /reset/);
  assert.deepEqual(told, ['answered', 'failed reset']);
  assert.equal(viaInvoke, 0);
  // Now a breaker watches: through invoke, and the gate hears nothing (the set counts those itself).
  passes = false;
  const watched = dir.send(m, inv);
  const watchedBad = dir.send(m, inv);
  calls[2]!.resolve('b');
  calls[3]!.reject(new Error('refused'));
  assert.equal(await watched, 'b');
  await assert.rejects(watchedBad, /refused/);
  refuse = true;
  await assert.rejects(dir.send(m, inv), /breaker open/);
  assert.equal(viaInvoke, 3);
  assert.deepEqual(told, ['answered', 'failed reset']);
  assert.deepEqual(reports, ['ok', 'reset', 'ok', 'refused'], 'the refused call never left: nothing to report');
  const snap = dir.snapshot().endpoints[0]!;
  assert.deepEqual([snap.calls, snap.errors, snap.inFlight], [5, 3, 0]);
  dir.close();
});

/** Sidecar mode's stage: port 99 is the agent's endpoint (the proxy). */
const agentStage: EndpointSetChooser = { isProxy: (e) => e.port === 99, admit: () => undefined };
const withAgent = () => [...list(2), endpoint('fake', '127.0.0.1', 99)];

test('endpoint-set stage: the proxy’s endpoint whenever it is usable, as it is; the balancer over the direct ones otherwise', async () => {
  const { pool, down } = fakes();
  const picked: number[][] = [];
  const updates: number[][] = [];
  const lb: LoadBalancer = {
    name: 'inner',
    pick: (c) => { picked.push(c.map((m) => m.endpoint.port)); return c[0]!; },
    update: (eps) => void updates.push(eps.map((e) => e.port)),
    latencyOf: () => 1,
  };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: withAgent() }, undefined, agentStage);
  for (let i = 0; i < 10; i++) assert.equal((await dir.select(inv)).endpoint.port, 99);
  assert.deepEqual(picked, [], 'the balancer is not asked while the agent is usable');
  assert.deepEqual(updates, [[1, 2]], 'the balancer is told only the direct endpoints');
  // A retry avoids the agent once tried, like any member: the balancer picks among the direct ones.
  const agent = await dir.select(inv);
  assert.equal((await dir.select(inv, new Set([agent]))).endpoint.port, 1);
  assert.deepEqual(picked, [[1, 2]]);
  // The agent's connection fails: the direct set at once.
  down.add(99);
  assert.equal((await dir.select(inv)).endpoint.port, 1);
  assert.deepEqual(picked, [[1, 2], [1, 2]]);
  // Everything down: still try one, the agent first.
  down.add(1); down.add(2); down.add(99);
  assert.equal((await dir.select(inv)).endpoint.port, 99);
  const snap = dir.snapshot().endpoints.map((e) => [e.address.split(':').at(-1), e.ewmaMs]);
  assert.deepEqual(snap, [['1', 1], ['2', 1], ['99', undefined]], 'nothing is learnt about the agent');
  dir.close();
});

test('endpoint-set stage: breakers never see the proxy’s endpoint and guard the direct ones', async () => {
  const { pool } = fakes();
  const calls: string[] = [];
  const breakers: EndpointBreakers = {
    allows: () => false,
    invoke: async () => { calls.push('breaker'); return 'guarded'; },
    update: (eps) => void calls.push(`update:${eps.length}`),
    close: () => void calls.push('close'),
    stateOf: () => 'open',
  };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, roundRobin(), tagRouter(() => ({})), { endpoints: withAgent() }, breakers, agentStage);
  const agent = await dir.select(inv);
  assert.equal(agent.endpoint.port, 99, 'the agent is usable whatever the breakers say');
  assert.equal(await dir.send(agent, inv), 99, 'sent straight to the agent’s client');
  const direct = await dir.select(inv, new Set([agent]));
  assert.equal(await dir.send(direct, inv), 'guarded');
  assert.deepEqual(dir.snapshot().endpoints.map((e) => e.breaker), ['open', 'open', undefined]);
  dir.close();
  assert.deepEqual(calls, ['update:2', 'breaker', 'close']);
});
