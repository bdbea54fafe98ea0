// Cost of one pick per balancer over 10 endpoints (stable candidate array, as the runtime passes
// it). Not a test: run by hand after a build (`node packages/lb/bench/pick.mjs`).
import { createInvocation, defineService, endpoint, roundRobin, t } from '@meshlet/core';
import { createLoadBalancer, localityAware, XDS_LOCALITY, XDS_LOCALITY_WEIGHT, XDS_PRIORITY } from '../dist/index.js';

const N = 2_000_000;
const Svc = defineService({ interface: 'bench.Echo', methods: { echo: { params: [t.string] } } });
const inv = createInvocation(Svc, Svc.methods.get('echo'), ['user-42']);
const weights = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100];
const skewed = [300, 100, 100, 50, 100, 100, 200, 100, 100, 100];

function candidates(ws) {
  return ws.map((w, i) => ({ endpoint: endpoint('dubbo', `10.0.0.${i}`, 20880, {}, w), pending: i % 3 }));
}

function time(label, lb, cands, report = false) {
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      const c = lb.pick(cands, inv);
      if (report) lb.report(c.endpoint, 1 + (i & 7), undefined);
    }
  };
  run(200_000);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    run(N);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / N);
  }
  console.log(`${label.padEnd(46)} ${best.toFixed(1).padStart(7)} ns`);
}

console.log(`node ${process.version}, ${N} picks per round, best of 5, 10 endpoints`);
time('core roundRobin (reference)', roundRobin(), candidates(weights));
for (const [name, ws] of [['random', weights], ['random', skewed], ['roundrobin', skewed], ['leastpending', skewed], ['p2c', weights], ['p2c', skewed], ['consistenthash', weights]]) {
  time(`${name}${ws === skewed ? ' (unequal weights)' : ''}`, createLoadBalancer(name), candidates(ws));
}
time('p2c + report per call', createLoadBalancer('p2c'), candidates(weights), true);

// Envoy's priority/locality step in front: 10 endpoints in 2 priorities × 2 localities (weights 1, 2).
const placed = candidates(weights).map((c, i) => ({
  ...c,
  endpoint: endpoint('dubbo', c.endpoint.host, 20880, { [XDS_PRIORITY]: String(i >> 3), [XDS_LOCALITY]: `r/z${i & 1}/`, [XDS_LOCALITY_WEIGHT]: String(1 + (i & 1)) }),
}));
for (const inner of ['roundrobin', 'p2c']) {
  const lb = localityAware({ balancer: inner });
  lb.update(placed.map((c) => c.endpoint));
  time(`locality (${inner} inside)`, lb, placed);
  const some = placed.filter((_, i) => i !== 0 && i !== 2); // two of P=0's hosts ejected: P=0 at 75 % → health 100 still
  time(`locality (${inner} inside), 2 of 8 P=0 hosts out`, lb, some);
}
