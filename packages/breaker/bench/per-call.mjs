// Per-call overhead of @meshlet/breaker against a bare call. Not a test: run it by hand after a
// build (`node packages/breaker/bench/per-call.mjs`) and compare the "extra" column.
// Sequential awaits, 300k calls after 20k warm-up, best of 5 rounds, as in the opossum figures of
// shared/reference/node-anchors.md §5.
import * as core from '@meshlet/core';
import { Code, RpcError, createInvocation, defineService, endpoint, t } from '@meshlet/core';
import { BreakerSet, Bulkhead, OutlierDetector } from '../dist/index.js';

const N = 300_000;
const WARM = 20_000;
const Svc = defineService({ interface: 'bench.Echo', methods: { echo: { params: [t.string] } } });
const inv = createInvocation(Svc, Svc.methods.get('echo'), ['x']);
const ep = endpoint('dubbo', '10.0.0.1', 20880);
const ok = async () => 'ok';
const refused = new RpcError(Code.ConnectionClosed, 'refused');
const business = new RpcError(Code.Business, 'thrown by the method');
const fail = async () => { throw refused; };
const failBusiness = async () => { throw business; };

async function time(label, fn, n = N) {
  for (let i = 0; i < WARM; i++) await fn().catch(() => {});
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn().catch(() => {});
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  return { label, ns: best };
}

const rows = [];
const base = await time('bare `await invoker(inv)`', () => ok(inv));
rows.push(base);
const set = new BreakerSet({ volumeThreshold: 20 });
rows.push(await time('breakers.invoke, closed, success', () => set.invoke(ep, ok, inv)));
const wrapped = set.wrap(ep, ok);
rows.push(await time('breakers.wrap(ep, invoker)(inv), success', () => wrapped(inv)));
rows.push(await time('breakers.invoke, BUSINESS error (filtered)', () => set.invoke(ep, failBusiness, inv)));
const bareFail = await time('bare failing invoker', () => fail(inv));
rows.push(bareFail);
const never = new BreakerSet({ errorThresholdPercentage: 100 }); // counts failures, never opens
rows.push(await time('breakers.invoke, endpoint failure (counted)', () => never.invoke(ep, fail, inv), 100_000));
const open = new BreakerSet({ volumeThreshold: 1 });
await open.invoke(ep, fail, inv).catch(() => {});
rows.push(await time('breakers.invoke while open (refused, not sent)', () => open.invoke(ep, ok, inv)));
// Outlier detection (Envoy's): the runtime's directory calls a gate per call; consecutive_5xx 0
// keeps the failing host in (its failures are still counted: the 5xx run, the success-rate buckets).
const outlier = new OutlierDetector({ consecutive_5xx: 0 });
outlier.update([ep]);
const gate = outlier.gate(ep);
const pass = (v) => v;
rows.push(await time('bare call + one .then (a runtime member adds it)', () => ok(inv).then(pass)));
rows.push(await time('outlier gate: passes(), call, answered()', () => { gate.passes(); return ok(inv).then((v) => { gate.answered(); return v; }); }));
rows.push(await time('outlier.invoke, success', () => outlier.invoke(ep, ok, inv)));
rows.push(await time('outlier.invoke, endpoint failure (counted)', () => outlier.invoke(ep, fail, inv), 100_000));
const bulk = new Bulkhead({ maxConcurrent: 1000 }).interceptor(ok);
rows.push(await time('bulkhead interceptor, success', () => bulk(inv)));
if (core.concurrencyLimit) { // core's own bulkhead (issue 6 item 6), for comparison
  const coreLimit = core.concurrencyLimit({ max: 1000 })(ok);
  rows.push(await time('core concurrencyLimit interceptor, success', () => coreLimit(inv)));
}

console.log(`node ${process.version}, ${N} sequential calls per round, best of 5`);
for (const r of rows) {
  const ref = r.label.includes('failure') || r.label.includes('BUSINESS') ? bareFail.ns : base.ns;
  console.log(`${r.label.padEnd(52)} ${(r.ns / 1000).toFixed(3).padStart(7)} µs/call   extra ${((r.ns - ref) / 1000).toFixed(3).padStart(7)} µs`);
}
for (const s of [set, never, open, outlier]) s.close();
