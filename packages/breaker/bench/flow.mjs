// Per-call cost of @meshlet/breaker's flow rules against a bare call. Not a test: run it by hand
// after a build (`node packages/breaker/bench/flow.mjs`). Sequential awaits, best of 5 rounds; the
// rules are set high enough that every call passes (the pass path), except the refused row.
import { createInvocation, defineService, t } from '@meshlet/core';
import { FlowRules } from '../dist/index.js';

const N = 300_000;
const WARM = 20_000;
const Svc = defineService({ interface: 'bench.Echo', methods: { echo: { params: [t.string] } } });
const inv = createInvocation(Svc, Svc.methods.get('echo'), ['x']);
inv.attachments['remote.application'] = 'shop';
const ok = async () => 'ok';
const M = 'bench.Echo:echo(java.lang.String)';

async function time(label, fn) {
  for (let i = 0; i < WARM; i++) await fn().catch(() => {});
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn().catch(() => {});
    best = Math.min(best, Number(process.hrtime.bigint() - start) / N);
  }
  return { label, ns: best };
}

const cases = [
  ['no rule for the resources', []],
  ['QPS rule on interface + method (reject)', [{ resource: 'bench.Echo', count: 1e12 }, { resource: M, count: 1e12 }]],
  ['QPS limitApp rules (named + other + default)', [{ resource: M, count: 1e12, limitApp: 'shop' }, { resource: M, count: 1e12, limitApp: 'other' }, { resource: M, count: 1e12 }]],
  ['QPS warm up', [{ resource: M, count: 1e12, controlBehavior: 1 }]],
  ['THREAD rule (in-flight count, one then)', [{ resource: M, grade: 0, count: 1e9 }]],
  ['QPS count 0 (every call refused)', [{ resource: M, count: 0 }]],
];
const base = await time('bare `await invoker(inv)`', () => ok(inv));
const rows = [base];
for (const [label, rules] of cases) {
  const invoker = new FlowRules({ rules }).serverInterceptor(ok);
  rows.push(await time(label, () => invoker(inv)));
}
console.log(`node ${process.version}, ${N} sequential calls per round, best of 5`);
for (const r of rows) {
  console.log(`${r.label.padEnd(48)} ${(r.ns / 1000).toFixed(3).padStart(7)} µs/call   extra ${((r.ns - base.ns) / 1000).toFixed(3).padStart(7)} µs`);
}
