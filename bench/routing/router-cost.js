#!/usr/bin/env node
// node bench/routing/router-cost.js [--calls 2000000] [--endpoints 10]
// The per-call cost of routing, in process (no I/O): the runtime's default router (tagRouter) alone,
// with Dubbo's rules machinery but no rule, with a two-condition service rule, and with a tag rule
// too. Prints ns per route() call (median of 5 rounds); a rule's cost is the `when` match only,
// since `then` results are kept per candidate list.
import { createInvocation, defineService, endpoint, MemoryConfigSource, RoutingRules, t, tagRouter } from '@meshlet/core';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((s) => s.trim().split(/\s+/)));
const calls = Number(args.calls ?? 2_000_000);
const n = Number(args.endpoints ?? 10);
const Echo = defineService({ interface: 'demo.Echo', version: '1.0.0', methods: { find: { params: [t.string], returns: t.string } } });
const candidates = Array.from({ length: n }, (_, i) => ({ endpoint: endpoint('dubbo', `10.20.0.${i + 1}`, 20880 + (i % 2), { application: 'echo-app', env: i % 3 === 0 ? 'gray' : 'prod' }), pending: 0 }));
const inv = createInvocation(Echo, Echo.methods.get('find'), ['vip'], { attachments: { lane: 'blue' } });
const base = tagRouter(() => ({}));

function measure(route) {
  const rounds = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += route(candidates, inv).length;
    rounds.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  if (sink === 0) console.log('(nothing routed)');
  return rounds.sort((a, b) => a - b)[2];
}

const rows = [];
rows.push(['tagRouter alone (runtime default before rules)', measure(base)]);
const source = new MemoryConfigSource();
const rules = new RoutingRules({ source, application: 'web', host: () => '10.0.0.9' });
rules.watchService(Echo);
rows.push(['rules, none set (config source watched)', measure(rules.router(base))]);
source.set('demo.Echo:1.0.0:.condition-router', undefined, 'force: false\nconditions:\n  - method = find*,list* & arguments[0] = vip => port != 20881\n  - attachments[lane] = blue => env = prod\n');
rows.push(['service condition rule, 2 conditions, both match', measure(rules.router(base))]);
source.set('echo-app.tag-router', undefined, 'configVersion: v3.0\ntags:\n  - name: gray\n    match:\n      - key: env\n        value: { exact: gray }\n');
rows.push(['+ tag rule (v3.0 match) of the providers\' app', measure(rules.router(base))]);
console.log(`route() over ${n} endpoints, ${calls} calls per round, median of 5 rounds (node ${process.version}):`);
for (const [what, ns] of rows) console.log(`${what.padEnd(52)} ${ns.toFixed(1).padStart(7)} ns/call`);
