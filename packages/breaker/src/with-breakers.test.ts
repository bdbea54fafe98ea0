import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, roundRobin, type Candidate } from '@meshlet/core';
import { BreakerSet } from './breaker-set.js';
import { withBreakers } from './with-breakers.js';
import { call, deferred, ep, failing } from './test-support.js';

const refused = new RpcError(Code.ConnectionClosed, 'refused');

test('an open breaker takes its endpoint out of the balancer’s choice', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const lb = withBreakers(roundRobin(), set);
  const candidates: Candidate[] = ['a', 'b', 'c'].map((h) => ({ endpoint: ep(h), pending: 0 }));
  await assert.rejects(set.invoke(candidates[1]!.endpoint, failing(refused), call()));
  const picked = new Set(Array.from({ length: 30 }, () => lb.pick(candidates, call()).endpoint.host));
  assert.deepEqual([...picked].sort(), ['a', 'c']);
  set.close();
});

test('every breaker open: UNAVAILABLE, the call is not sent', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const lb = withBreakers(roundRobin(), set);
  const candidates: Candidate[] = [{ endpoint: ep('a'), pending: 0 }];
  await assert.rejects(set.invoke(candidates[0]!.endpoint, failing(refused), call()));
  assert.throws(() => lb.pick(candidates, call()), (e: unknown) => RpcError.is(e, Code.Unavailable));
  set.close();
});

test('a half-open endpoint is offered until its probe is out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const set = new BreakerSet({ volumeThreshold: 1, resetTimeout: 100 });
  const lb = withBreakers(roundRobin(), set);
  const a = ep('a'), b = ep('b');
  const candidates: Candidate[] = [{ endpoint: a, pending: 0 }, { endpoint: b, pending: 0 }];
  await assert.rejects(set.invoke(a, failing(refused), call()));
  t.mock.timers.tick(100);
  const hosts = new Set(Array.from({ length: 4 }, () => lb.pick(candidates, call()).endpoint.host));
  assert.deepEqual([...hosts].sort(), ['a', 'b']);
  const probe = deferred();
  const sent = set.invoke(a, probe.invoker, call());
  for (let i = 0; i < 4; i++) assert.equal(lb.pick(candidates, call()).endpoint.host, 'b');
  probe.resolve();
  await sent;
  assert.equal(set.notClosed, 0);
  set.close();
});

test('update reaches both the balancer and the breakers', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const seen: number[] = [];
  const lb = withBreakers({ ...roundRobin(), update: (eps: readonly unknown[]) => seen.push(eps.length) } as ReturnType<typeof roundRobin>, set);
  await assert.rejects(set.invoke(ep('a'), failing(refused), call()));
  lb.update([ep('b')]);
  assert.deepEqual(seen, [1]);
  assert.equal(set.size, 0);
});
