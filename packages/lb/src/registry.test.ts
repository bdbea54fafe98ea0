import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, random as coreRandom } from '@meshlet/core';
import { registerBuiltinLoadBalancers, createLoadBalancer, DEFAULT_LOAD_BALANCER, loadBalancerFactory, loadBalancerNames, registerLoadBalancer } from './registry.js';

registerBuiltinLoadBalancers();
import { call, candidates, ep } from './test-support.js';

test('built-in balancers are registered by name, p2c is the default', () => {
  assert.deepEqual(loadBalancerNames().filter((n) => !n.startsWith('test-')), ['consistenthash', 'leastactive', 'leastpending', 'p2c', 'random', 'roundrobin']);
  assert.equal(DEFAULT_LOAD_BALANCER, 'p2c');
  assert.equal(createLoadBalancer().name, 'p2c');
  assert.equal(createLoadBalancer('RoundRobin').name, 'roundrobin');
  assert.equal(createLoadBalancer('leastactive').name, 'leastpending');
});

test('unknown names are an InvalidArgument listing what exists', () => {
  assert.throws(() => createLoadBalancer('nope'), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /registered: .*p2c/.test(e.message));
  assert.throws(() => loadBalancerFactory('nope'), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

test('custom balancers register once; replacing needs asking', () => {
  registerLoadBalancer('test-core-random', () => coreRandom());
  assert.equal(createLoadBalancer('test-core-random').name, 'random');
  assert.throws(() => registerLoadBalancer('test-core-random', () => coreRandom()), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  registerLoadBalancer('test-core-random', () => ({ ...coreRandom(), name: 'mine' }), { replace: true });
  assert.equal(createLoadBalancer('test-core-random').name, 'mine');
});

test('loadBalancerFactory gives a fresh balancer per call (one per reference)', () => {
  const factory = loadBalancerFactory('roundrobin');
  const a = factory(), b = factory();
  assert.notEqual(a, b);
  const set = candidates([ep('x'), ep('y')]);
  assert.equal(a.pick(set, call()).endpoint.host, 'x');
  assert.equal(b.pick(set, call()).endpoint.host, 'x');
});
