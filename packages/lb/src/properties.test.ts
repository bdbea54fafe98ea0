// Property tests over every built-in balancer: whatever the candidate set (weights zero, negative,
// NaN or huge; warm-up parameters odd or in the future; pending counts anything; repeated
// addresses; reports in any order), a pick never throws and returns one of the candidates given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, endpoint, t, type Endpoint } from '@meshlet/core';
import { registerBuiltinLoadBalancers, createLoadBalancer, loadBalancerNames } from './registry.js';

registerBuiltinLoadBalancers();
import { invocationWith, type TestCandidate } from './test-support.js';

const weight = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(-5, 0, NaN, Infinity, 1e12, 0.5));
const params = fc.record({
  timestamp: fc.option(fc.oneof(fc.integer({ min: -1, max: 2_000_000_000_000 }).map(String), fc.constantFrom('x', '')), { nil: undefined }),
  warmup: fc.option(fc.oneof(fc.integer({ min: -10, max: 1_000_000 }).map(String), fc.constant('abc')), { nil: undefined }),
  'hash.nodes': fc.option(fc.constantFrom('0', '3', '4', '16', 'x'), { nil: undefined }),
  'hash.arguments': fc.option(fc.constantFrom('0', '1,0', '-1', 'a,b', ''), { nil: undefined }),
}, { requiredKeys: [] }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Record<string, string>);

const endpointArb: fc.Arbitrary<Endpoint> = fc.record({
  host: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', '::1', 'svc.local'),
  port: fc.integer({ min: 1, max: 65535 }),
  weight,
  params,
}).map((e) => endpoint('dubbo', e.host, e.port, e.params, e.weight));

const candidateArb = fc.record({ endpoint: endpointArb, pending: fc.oneof(fc.nat(100), fc.constantFrom(0, -1, NaN)) });

const argArb = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.bigInt());

const step = fc.record({
  subset: fc.array(fc.nat(), { maxLength: 8 }),
  args: fc.array(argArb, { maxLength: 3 }),
  latency: fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.constantFrom(-1, NaN, Infinity)),
  error: fc.constantFrom(undefined, new RpcError(Code.Business, 'b'), new RpcError(Code.Timeout, 't'), new Error('x'), 'str'),
  advance: fc.nat(120_000),
  update: fc.boolean(),
});

for (const name of loadBalancerNames()) {
  test(`${name}: every pick returns one of the candidates and never throws`, () => {
    fc.assert(fc.property(
      fc.array(candidateArb, { minLength: 1, maxLength: 12 }),
      fc.array(step, { minLength: 1, maxLength: 25 }),
      fc.integer(),
      (pool: TestCandidate[], steps, seed) => {
        let now = 1_700_000_000_000;
        let s = seed >>> 0;
        const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const lb = createLoadBalancer(name, { random, clock: () => now });
        for (const st of steps) {
          // A non-empty subset of the pool, sometimes the same array again (the runtime's fast path).
          const set = st.subset.length === 0 ? pool : st.subset.map((i) => pool[i % pool.length]!);
          if (st.update) (lb as { update?: (e: readonly Endpoint[]) => void }).update?.(pool.map((c) => c.endpoint));
          const inv = invocationWith(st.args.map(() => t.any), st.args);
          const chosen = lb.pick(set, inv);
          assert.ok(set.includes(chosen), 'picked something that is not a candidate');
          lb.report?.(chosen.endpoint, st.latency, st.error);
          now += st.advance;
        }
      },
    ), { numRuns: 300 });
  });
}
