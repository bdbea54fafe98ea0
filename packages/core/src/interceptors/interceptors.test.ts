import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import { applyInterceptors, type Invoker } from '../interceptor.js';
import { createInvocation } from '../invocation.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { faultInjection } from './fault-injection.js';
import { rateLimit } from './rate-limit.js';

const Svc = defineService({ interface: 'com.example.S', methods: { a: { params: [], returns: t.string }, b: { params: [], returns: t.string } } });
const inv = (m: 'a' | 'b') => createInvocation(Svc, Svc.methods.get(m)!, []);

test('rateLimit: the burst passes, the next call is refused as overloaded', async () => {
  const call = applyInterceptors(async () => 'ok', [rateLimit({ rate: 5, burst: 3 })]);
  for (let i = 0; i < 3; i++) assert.equal(await call(inv('a')), 'ok');
  await assert.rejects(call(inv('a')), (e: unknown) => RpcError.is(e, Code.ServerBusy) && /overloaded/.test(e.message));
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(await call(inv('a')), 'ok', 'tokens refill at the rate');
});

test('faultInjection: aborts and delays the chosen share of matching calls only', async () => {
  const rules = [{ method: 'a', abortShare: 0.5, abortCode: Code.Unavailable }];
  let r = 0;
  const seq = [0.1, 0.9];
  const call = applyInterceptors(async () => 'ok', [faultInjection(rules, () => seq[r++ % 2]!)]);
  await assert.rejects(call(inv('a')), (e: unknown) => RpcError.is(e, Code.Unavailable));
  assert.equal(await call(inv('a')), 'ok');
  assert.equal(await call(inv('b')), 'ok');
  const delayed = applyInterceptors(async () => 'ok', [faultInjection([{ delayShare: 1, delayMs: 60 }])]);
  const t0 = Date.now();
  await delayed(inv('b'));
  assert.ok(Date.now() - t0 >= 55);
});
