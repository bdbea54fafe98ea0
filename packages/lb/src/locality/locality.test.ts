// Envoy's priority levels, panic threshold and locality weights: the tables of Envoy's docs
// (intro/arch_overview/upstream/load_balancing/priority.rst, panic_threshold.rst, locality_weight.rst),
// as the load function computes them and as picks through the balancer follow them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createInvocation, defineService, endpoint, RpcError, t, type Candidate, type Endpoint, type LoadBalancer } from '@meshlet/core';
import '../index.js'; // registers the built-in policies: the inner balancer is found by name
import { localityAware } from './locality-balancer.js';
import { XDS_HEALTH, XDS_LOCALITY, XDS_LOCALITY_WEIGHT, XDS_PRIORITY } from './params.js';
import { priorityLoad, type LevelInput } from './priority-load.js';

const Svc = defineService({ interface: 'com.acme.Echo', methods: { echo: { params: [t.string] } } });
const inv = createInvocation(Svc, Svc.methods.get('echo')!, ['x']);
const OPTIONS = { overprovisioningFactor: 140, panicThreshold: 50, weightedPriorityHealth: false };
// The priority tables are the loads before panic is applied (priority.rst does not consider it):
// with the default 50 % threshold their last rows are total panic (see the panic test).
const NO_PANIC = { ...OPTIONS, panicThreshold: 0 };

/** A level of 100 hosts with `healthy` of them healthy. */
function level(healthy: number, degraded = 0, hosts = 100): LevelInput {
  return { hosts, healthyHosts: healthy, degradedHosts: degraded, weight: hosts * 100, healthyWeight: healthy * 100, degradedWeight: degraded * 100 };
}

function loads(...healthy: number[]): number[] {
  const load = priorityLoad(healthy.map((h) => level(h)), NO_PANIC).healthy;
  // Where the total is 100, panic never applies, and the default threshold gives the same loads.
  if (priorityLoad(healthy.map((h) => level(h)), OPTIONS).normalizedTotalAvailability === 100) {
    assert.deepEqual(priorityLoad(healthy.map((h) => level(h)), OPTIONS).healthy, load);
  }
  return load;
}

test('priority.rst, two levels, P=1 100 % healthy: P=0’s share of the traffic as its hosts fail', () => {
  const table: [number, number, number][] = [[100, 100, 0], [72, 100, 0], [71, 99, 1], [50, 70, 30], [25, 35, 65], [0, 0, 100]];
  for (const [p0, to0, to1] of table) assert.deepEqual(loads(p0, 100), [to0, to1], `P=0 ${p0} % healthy`);
});

test('priority.rst, two levels both degrading (normalized total health below 100 scales the loads)', () => {
  const table: [number, number, number, number][] = [[100, 100, 100, 0], [72, 72, 100, 0], [71, 71, 99, 1], [50, 50, 70, 30], [25, 100, 35, 65], [25, 25, 50, 50]];
  for (const [p0, p1, to0, to1] of table) assert.deepEqual(loads(p0, p1), [to0, to1], `${p0} % / ${p1} %`);
});

test('priority.rst, three levels', () => {
  const table: [number, number, number, number[]][] = [
    [100, 100, 100, [100, 0, 0]], [72, 72, 100, [100, 0, 0]], [71, 71, 100, [99, 1, 0]], [50, 50, 100, [70, 30, 0]],
    [25, 100, 100, [35, 65, 0]], [25, 25, 100, [35, 35, 30]],
    // The docs print 36/36/28 for this row; Envoy's code gives the rounding remainder (100 − 35 − 35 − 28 = 2)
    // to the first level with health (distributeLoad, then "allocate that to the first available priority").
    [25, 25, 20, [37, 35, 28]],
  ];
  for (const [p0, p1, p2, want] of table) assert.deepEqual(loads(p0, p1, p2), want, `${p0} / ${p1} / ${p2}`);
});

test('panic_threshold.rst: panic only once the normalized total availability is under 100, per level under 50 %', () => {
  // P=1 fully healthy: never panic, even with P=0 at 0 %.
  for (const p0 of [72, 71, 50, 25, 0]) {
    const r = priorityLoad([level(p0), level(100)], OPTIONS);
    assert.deepEqual(r.panic, [false, false]);
    assert.equal(r.normalizedTotalAvailability, 100);
  }
  // 25 % / 25 %: total 70, both in panic, loads by health (the docs' row: 50 % / 50 %).
  const both = priorityLoad([level(25), level(25)], OPTIONS);
  assert.deepEqual([both.panic, both.normalizedTotalAvailability, both.healthy], [[true, true], 70, [50, 50]]);
  // 25 / 25 / 20: total 98 and every level under 50 %: total panic, loads by host count (100 each).
  const three = priorityLoad([level(25), level(25), level(20)], OPTIONS);
  assert.deepEqual([three.panic, three.healthy], [[true, true, true], [34, 33, 33]]);
  // 5 % / 65 %: total 98, P=0 in panic, P=1 not. (The docs print 7 % / 93 %; the code's remainder goes to P=0: 8 / 92.)
  const one = priorityLoad([level(5), level(65)], OPTIONS);
  assert.deepEqual([one.panic, one.normalizedTotalAvailability, one.healthy], [[true, false], 98, [8, 92]]);
  // Every level in panic and no health at all: the load follows host counts.
  const total = priorityLoad([level(0, 0, 30), level(0, 0, 10)], OPTIONS);
  assert.deepEqual([total.panic, total.healthy], [[true, true], [75, 25]]);
  // Panic disabled (0 %) and nothing healthy: all on the first level, which has nothing to give.
  const off = priorityLoad([level(0), level(0)], { ...OPTIONS, panicThreshold: 0 });
  assert.deepEqual([off.panic, off.healthy], [[false, false], [100, 0]]);
});

test('degraded hosts take what healthy ones leave (the load function’s own example: 10/20/10 % healthy, 20/10/0 % degraded)', () => {
  // Health 10/20/10 and degraded 20/10/0 as availabilities: hosts such that ⌊140 × n / 140⌋ = n.
  const lv = (h: number, d: number): LevelInput => ({ hosts: 140, healthyHosts: h, degradedHosts: d, weight: 140, healthyWeight: h, degradedWeight: d });
  const r = priorityLoad([lv(10, 20), lv(20, 10), lv(10, 0)], NO_PANIC);
  assert.deepEqual([r.healthy, r.degraded], [[16, 28, 14], [28, 14, 0]]);
});

test('weighted_priority_health: health by host weight', () => {
  const lv: LevelInput = { hosts: 4, healthyHosts: 2, degradedHosts: 0, weight: 400, healthyWeight: 100, degradedWeight: 0 };
  assert.deepEqual(priorityLoad([lv, level(100)], OPTIONS).healthy, [70, 30], 'by count: 2 of 4');
  assert.deepEqual(priorityLoad([lv, level(100)], { ...OPTIONS, weightedPriorityHealth: true }).healthy, [35, 65], 'by weight: 100 of 400');
});

// ---- through the balancer ----

interface Host extends Candidate { readonly endpoint: Endpoint; pending: number }

function hosts(prefix: string, n: number, params: Record<string, string>): Host[] {
  return Array.from({ length: n }, (_, i) => ({ endpoint: endpoint('dubbo', `${prefix}${i}`, 20880, params), pending: 0 }));
}

/** Draws 0.005, 0.015, …, 0.995 in turn: every percent exactly once per 100 picks. */
function sweep(): () => number {
  let i = 0;
  return () => ((i++ % 100) + 0.5) / 100;
}

function countBy(lb: LoadBalancer, candidates: readonly Host[], picks: number, key: (h: Host) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < picks; i++) {
    const k = key(lb.pick(candidates, inv));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const priorityOf = (h: Host) => `P${h.endpoint.params[XDS_PRIORITY]}`;

test('picks follow the spill table: P=0 hosts ejected (absent from the candidates) or unhealthy by EDS', () => {
  for (const [healthy, want0] of [[100, 100], [72, 100], [71, 99], [50, 70], [25, 35], [0, 0]] as const) {
    const p0 = hosts('a', 100, { [XDS_PRIORITY]: '0' });
    const p1 = hosts('b', 100, { [XDS_PRIORITY]: '1' });
    const lb = localityAware({ random: sweep() });
    lb.update([...p0, ...p1].map((h) => h.endpoint));
    // Ejected: the runtime leaves them out of the candidates; the balancer still counts them in P=0's total.
    const candidates = [...p0.slice(0, healthy), ...p1];
    const counts = countBy(lb, candidates, 1000, priorityOf);
    assert.deepEqual([counts.P0 ?? 0, counts.P1 ?? 0], [want0 * 10, (100 - want0) * 10], `${healthy} % of P=0 left`);
  }
  // The same by EDS health: UNHEALTHY hosts stay candidates but are not offered outside panic.
  const p0 = hosts('a', 50, { [XDS_PRIORITY]: '0' }).concat(hosts('u', 50, { [XDS_PRIORITY]: '0', [XDS_HEALTH]: 'UNHEALTHY' }));
  const p1 = hosts('b', 100, { [XDS_PRIORITY]: '1', [XDS_HEALTH]: 'HEALTHY' });
  const lb = localityAware({ random: sweep() });
  lb.update([...p0, ...p1].map((h) => h.endpoint));
  const counts = countBy(lb, [...p0, ...p1], 1000, (h) => h.endpoint.host[0]!);
  assert.deepEqual(counts, { a: 700, b: 300 });
  assert.deepEqual(lb.snapshot([...p0, ...p1]), { priorities: [0, 1], healthyLoad: [70, 30], degradedLoad: [0, 0], panic: [false, false], normalizedTotalAvailability: 100 });
});

test('panic: a level under the threshold (with too little elsewhere) sends to all of its hosts, unhealthy ones included', () => {
  const good = hosts('g', 4, {});
  const bad = hosts('u', 6, { [XDS_HEALTH]: 'DRAINING' });
  const lb = localityAware({ random: sweep() });
  lb.update([...good, ...bad].map((h) => h.endpoint));
  const counts = countBy(lb, [...good, ...bad], 1000, (h) => h.endpoint.host[0]!);
  // 40 % healthy < 50 %, and nothing else to spill to: round robin over all ten.
  assert.deepEqual(counts, { g: 400, u: 600 });
  // Panic disabled: the healthy ones only... and with none healthy, "no healthy upstream".
  const strict = localityAware({ random: sweep(), panicThreshold: 0 });
  strict.update([...good, ...bad].map((h) => h.endpoint));
  assert.deepEqual(countBy(strict, [...good, ...bad], 100, (h) => h.endpoint.host[0]!), { g: 100 });
  assert.throws(() => strict.pick(bad, inv), (e: unknown) => RpcError.is(e, Code.Unavailable));
});

test('locality_weight.rst: X weight 1, Y weight 2, Y all healthy: X’s share as its hosts fail', () => {
  const table: [number, number][] = [[100, 33], [70, 33], [69, 32], [50, 26], [25, 15], [0, 0]];
  for (const [healthy, share] of table) {
    const x = hosts('x', 100, { [XDS_LOCALITY]: 'r/x/', [XDS_LOCALITY_WEIGHT]: '1' });
    const y = hosts('y', 100, { [XDS_LOCALITY]: 'r/y/', [XDS_LOCALITY_WEIGHT]: '2' });
    const lb = localityAware();
    lb.update([...x, ...y].map((h) => h.endpoint));
    const counts = countBy(lb, [...x.slice(0, healthy), ...y], 3000, (h) => h.endpoint.host[0]!);
    // Envoy's code weighs X by 1 × min(1, 1.4 × healthy share) in doubles (effectiveLocalityWeight); the
    // docs' column is that share to within a percent (their pseudo-code rounds the availability to an integer).
    const effective = Math.min(1, 1.4 * (healthy / 100));
    const exact = effective / (effective + 2);
    assert.ok(Math.abs((counts.x ?? 0) - exact * 3000) <= 1, `X ${healthy} % healthy: ${JSON.stringify(counts)}, want ${exact * 3000}`);
    assert.ok(Math.abs(exact * 100 - share) < 1, `the docs' ${share} % for ${healthy} %`);
  }
});

test('failover: a locality’s hosts all ejected → its priority’s other locality; both → the next priority; inner balancer per locality', () => {
  const a = hosts('a', 5, { [XDS_PRIORITY]: '0', [XDS_LOCALITY]: 'eu/a/', [XDS_LOCALITY_WEIGHT]: '1' });
  const b = hosts('b', 5, { [XDS_PRIORITY]: '0', [XDS_LOCALITY]: 'eu/b/', [XDS_LOCALITY_WEIGHT]: '1' });
  const c = hosts('c', 5, { [XDS_PRIORITY]: '1', [XDS_LOCALITY]: 'us/c/', [XDS_LOCALITY_WEIGHT]: '1' });
  const lb = localityAware({ random: sweep() });
  lb.update([...a, ...b, ...c].map((h) => h.endpoint));
  const byHost = (cands: Host[], n: number) => countBy(lb, cands, n, (h) => h.endpoint.host);
  // All healthy: P=0 only, A and B alternately, round robin inside each.
  const all = byHost([...a, ...b, ...c], 1000);
  assert.deepEqual(Object.keys(all).sort(), [...a, ...b].map((h) => h.endpoint.host).sort());
  assert.ok(Object.values(all).every((n) => n === 100), JSON.stringify(all));
  // A ejected: P=0 is 50 % healthy → health 70: 70 % to B, 30 % spills to P=1.
  const noA = byHost([...b, ...c], 1000);
  const sum = (k: string) => Object.entries(noA).filter(([h]) => h.startsWith(k)).reduce((s, [, n]) => s + n, 0);
  assert.deepEqual([sum('a'), sum('b'), sum('c')], [0, 700, 300]);
  // A and B ejected: all to P=1.
  assert.deepEqual(Object.keys(byHost(c, 100)).sort(), c.map((h) => h.endpoint.host).sort());
  // One host of A back: A's effective weight is 1 × min(1, 1.4 × 1/5) = 0.28 against B's 1.
  const oneA = countBy(lb, [a[0]!, ...b, ...c], 12_800, (h) => h.endpoint.host[0]!);
  // P=0 health ⌊140 × 6/10⌋ = 84 → 84 % to P=0, split 0.28 : 1 between A and B.
  assert.equal((oneA.a ?? 0) + (oneA.b ?? 0), 0.84 * 12_800);
  assert.equal(Math.round(((oneA.a ?? 0) * 1.28) / 0.84 / 128), 28);
});

test('reports reach the inner balancer of the endpoint’s level and locality; update drops the departed', () => {
  const seen: string[] = [];
  const spy = (): LoadBalancer => ({
    name: 'spy',
    pick: (c) => c[0]!,
    reporter: (e) => ({ report: (ms) => seen.push(`${e.host} ${ms}`) }),
  });
  const a = hosts('a', 2, { [XDS_LOCALITY]: 'z/a/' });
  const lb = localityAware({ balancer: spy });
  lb.update(a.map((h) => h.endpoint));
  const r = lb.reporter(a[0]!.endpoint);
  r.report(5, undefined);
  assert.deepEqual(seen, ['a0 5', 'a0 5']);
  lb.update([a[1]!.endpoint]);
  r.report(6, undefined);
  assert.deepEqual(seen, ['a0 5', 'a0 5'], 'a departed endpoint reports nowhere');
});

test('options are checked: unknown inner balancer, bad factor or threshold → INVALID_ARGUMENT', () => {
  const bad = (f: () => unknown) => assert.throws(f, (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  bad(() => localityAware({ balancer: 'nope' }));
  bad(() => localityAware({ overprovisioningFactor: 0 }));
  bad(() => localityAware({ overprovisioningFactor: 1.5 }));
  bad(() => localityAware({ panicThreshold: 101 }));
  bad(() => localityAware({ panicThreshold: Number.NaN }));
});

test('a pick over a stable candidate array does no per-candidate work (plan built once per array)', () => {
  const a = hosts('a', 1000, { [XDS_LOCALITY]: 'z/a/', [XDS_LOCALITY_WEIGHT]: '1' });
  const lb = localityAware();
  lb.update(a.map((h) => h.endpoint));
  lb.pick(a, inv);
  // Reading every candidate's endpoint would be 1000 reads a pick: count reads through a proxy array.
  let reads = 0;
  const watched = a.map((h) => new Proxy(h, { get: (o, k) => { if (k === 'endpoint') reads++; return Reflect.get(o, k); } }));
  lb.pick(watched, inv); // new array: the plan is rebuilt once
  const afterBuild = reads;
  for (let i = 0; i < 1000; i++) lb.pick(watched, inv);
  assert.ok(reads - afterBuild <= 2000, `${reads - afterBuild} endpoint reads for 1000 picks (the inner round robin's own)`);
});

test('property: the loads always sum to 100, go only where there is health (or panic), and never panic at a full total', async () => {
  const fc = (await import('fast-check')).default;
  const levelArb = fc.record({ hosts: fc.integer({ min: 0, max: 50 }), healthy: fc.nat(), degraded: fc.nat(), w: fc.integer({ min: 1, max: 1000 }) })
    .map(({ hosts, healthy, degraded, w }): LevelInput => {
      const h = hosts === 0 ? 0 : healthy % (hosts + 1);
      const d = hosts - h === 0 ? 0 : degraded % (hosts - h + 1);
      return { hosts, healthyHosts: h, degradedHosts: d, weight: hosts * w, healthyWeight: h * w, degradedWeight: d * w };
    });
  fc.assert(fc.property(
    fc.array(levelArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 500 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.boolean(),
    (levels, factor, panicThreshold, weightedPriorityHealth) => {
      const r = priorityLoad(levels, { overprovisioningFactor: factor, panicThreshold, weightedPriorityHealth });
      const all = [...r.healthy, ...r.degraded];
      assert.equal(all.reduce((a, b) => a + b, 0), 100);
      assert.ok(all.every((x) => Number.isInteger(x) && x >= 0 && x <= 100));
      if (r.normalizedTotalAvailability === 100) assert.ok(r.panic.every((p) => !p));
      const totalPanic = r.panic.every((p) => p);
      for (let i = 0; i < levels.length; i++) {
        if (totalPanic) {
          // By host counts; with no host at all Envoy still puts the load somewhere: the first level.
          const none = levels.every((l) => l.hosts === 0);
          if (levels[i]!.hosts === 0 && !(none && i === 0)) assert.equal(r.healthy[i], 0);
        } else if (r.normalizedTotalAvailability > 0) {
          if (r.health[i] === 0) assert.equal(r.healthy[i], 0, `level ${i} has no health`);
          if (r.degradedHealth[i] === 0) assert.equal(r.degraded[i], 0);
        }
      }
    },
  ), { numRuns: 2000 });
});
