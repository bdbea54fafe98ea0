import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createLoadBalancer, defineService, protocolNames, RpcError, serializationById, t } from '@meshlet/core';
import { bolt } from '@meshlet/transport-bolt';
import { BUILTIN_PROTOCOLS, protocolsOf, registerBuiltins } from './builtins.js';
import { createMeshlet } from './create.js';

const OnDubbo = defineService({ interface: 'demo.OnDubbo', protocol: 'dubbo', methods: { m: { params: [], returns: t.string } } });
const Plain = defineService({ interface: 'demo.Plain', methods: { m: { params: [], returns: t.string } } });
const invalid = (pattern: RegExp) => (e: unknown) => RpcError.is(e, Code.InvalidArgument) && pattern.test(e.message);

test('registerBuiltins registers the protocols, balancers and serializations by name, and may run twice', () => {
  registerBuiltins();
  registerBuiltins();
  assert.deepEqual(BUILTIN_PROTOCOLS.map((p) => p.name), ['dubbo', 'bolt', 'motan2', 'tri']);
  for (const name of ['dubbo', 'bolt', 'motan2', 'tri']) assert.ok(protocolNames().includes(name), name);
  assert.equal(createLoadBalancer('p2c').name, 'p2c');
  assert.equal(serializationById('dubbo', 2)?.name, 'hessian2');
  assert.equal(serializationById('motan2', 6)?.name, 'simple');
});

test('protocols: code wins over MESHLET_PROTOCOLS, which wins over the built-in list', () => {
  const given = bolt();
  assert.deepEqual(protocolsOf([given, 'dubbo'], { MESHLET_PROTOCOLS: 'motan2' }), [given, 'dubbo']);
  assert.deepEqual(protocolsOf(undefined, { MESHLET_PROTOCOLS: ' bolt , dubbo,' }), ['bolt', 'dubbo']);
  assert.deepEqual(protocolsOf(undefined, { MESHLET_PROTOCOLS: ' ' }), ['dubbo', 'bolt', 'motan2', 'tri']);
  assert.deepEqual(protocolsOf(undefined, {}), ['dubbo', 'bolt', 'motan2', 'tri']);
});

test('createMeshlet takes protocol names: the first is the default, the others are not configured', async () => {
  const mesh = createMeshlet({ registry: false, protocols: ['bolt'] }, {});
  mesh.provide(Plain, { m: async () => 'x' });
  assert.throws(() => mesh.provide(OnDubbo, { m: async () => 'x' }), invalid(/wants protocol dubbo, which is not configured/));
  await mesh.stop(0);
  const fromEnv = createMeshlet({ registry: false }, { MESHLET_PROTOCOLS: 'dubbo' });
  fromEnv.provide(OnDubbo, { m: async () => 'x' });
  await fromEnv.stop(0);
  assert.throws(() => createMeshlet({ registry: false, protocols: ['triple'] }, {}), invalid(/unknown protocol "triple"; registered: .*bolt.*dubbo.*motan2/));
  assert.throws(() => createMeshlet({ registry: false, loadBalancer: 'nope' }, {}), invalid(/unknown load balancer "nope"/));
});
