import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, applyInterceptors } from '@meshlet/core';
import { Bulkhead, bulkhead } from './bulkhead.js';
import { call, deferred, failing } from './test-support.js';

const busy = (e: unknown) => RpcError.is(e, Code.ServerBusy) && /concurrency limit reached for com\.acme\.Orders:1\.0\.0/.test(e.message);

test('refuses the call past the limit with SERVER_BUSY, and frees the place when a call settles', async () => {
  const d = deferred();
  const invoker = applyInterceptors(d.invoker, [bulkhead({ maxConcurrent: 2 })]);
  const first = invoker(call());
  const second = invoker(call('get'));
  await assert.rejects(invoker(call()), busy);
  assert.equal(d.calls, 2, 'the refused call never reached the invoker');
  d.resolve(1);
  assert.equal(await first, 1);
  const third = invoker(call());
  d.reject(new Error('boom'));
  await assert.rejects(second, /boom/);
  d.resolve(3);
  assert.equal(await third, 3);
  const h = new Bulkhead({ maxConcurrent: 1 });
  await applyInterceptors(failing(new Error('x')), [h.interceptor])(call()).catch(() => {});
  assert.equal(h.inFlight('com.acme.Orders:1.0.0'), 0);
});

test('per-method scope counts methods apart; overrides by key or bare interface name', async () => {
  const d = deferred();
  const h = new Bulkhead({ maxConcurrent: 1, scope: 'method', limits: { 'com.acme.Orders#get': 2 } });
  const invoker = applyInterceptors(d.invoker, [h.interceptor]);
  void invoker(call('place'));
  await assert.rejects(invoker(call('place')), (e: unknown) => RpcError.is(e, Code.ServerBusy));
  void invoker(call('get'));
  void invoker(call('get'));
  await assert.rejects(invoker(call('get')), (e: unknown) => RpcError.is(e, Code.ServerBusy));
  assert.equal(h.inFlight('com.acme.Orders:1.0.0#get'), 2);
});

test('a synchronous throw from the next invoker gives the place back', () => {
  const h = new Bulkhead({ maxConcurrent: 1 });
  const invoker = applyInterceptors(() => { throw new Error('sync'); }, [h.interceptor]);
  assert.throws(() => invoker(call()), /sync/);
  assert.equal(h.inFlight('com.acme.Orders:1.0.0'), 0);
});

test('tryAcquire/release for code that is not an interceptor', () => {
  const h = new Bulkhead({ maxConcurrent: 1, limits: { jobs: 2 } });
  assert.equal(h.tryAcquire('jobs'), true);
  assert.equal(h.tryAcquire('jobs'), true);
  assert.equal(h.tryAcquire('jobs'), false);
  h.release('jobs');
  assert.equal(h.tryAcquire('jobs'), true);
  assert.equal(h.tryAcquire('other'), true);
  assert.equal(h.tryAcquire('other'), false);
});

test('limits must be positive integers', () => {
  assert.throws(() => new Bulkhead({ maxConcurrent: 0 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.throws(() => new Bulkhead({ maxConcurrent: 1, limits: { x: 1.5 } }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});
