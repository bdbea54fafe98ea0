// Shared by this package's tests only (excluded from the published files).
import {
  createInvocation, defineService, endpoint, t, type Candidate, type Endpoint, type Invocation, type TypeDesc,
} from '@meshlet/core';

/** A small, seedable generator (mulberry32), so distribution tests give the same counts every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms), set: (ms) => void (now = ms) };
}

export function ep(host: string, port = 20880, weight = 100, params: Record<string, string> = {}): Endpoint {
  return endpoint('dubbo', host, port, params, weight);
}

export interface TestCandidate extends Candidate {
  pending: number;
}

export function candidates(endpoints: readonly Endpoint[]): TestCandidate[] {
  return endpoints.map((endpoint) => ({ endpoint, pending: 0 }));
}

const Demo = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  methods: {
    sayHello: { params: [t.string], returns: t.string },
    byId: { params: [t.int64, t.string] },
    byScore: { params: [t.float64] },
    anything: { params: [t.any, t.any] },
  },
});

export function call(method: 'sayHello' | 'byId' | 'byScore' | 'anything' = 'sayHello', args: unknown[] = ['x']): Invocation {
  return createInvocation(Demo, Demo.methods.get(method)!, args);
}

export function methodWith(params: readonly TypeDesc[]): Invocation['method'] {
  return defineService({ interface: 'x.Y', methods: { m: { params } } }).methods.get('m')!;
}

/** How many times each host was picked. */
export function tally<C extends Candidate>(pick: () => C, times: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const host = pick().endpoint.host;
    counts.set(host, (counts.get(host) ?? 0) + 1);
  }
  return counts;
}

/** An invocation of a one-method service whose parameters are `params`. */
export function invocationWith(params: readonly TypeDesc[], args: unknown[]): Invocation {
  const service = defineService({ interface: 'x.Y', methods: { m: { params } } });
  return createInvocation(service, service.methods.get('m')!, args);
}
