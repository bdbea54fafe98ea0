import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { Candidate } from '../load-balancer.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import { registerLoadBalancer } from '../plugins/balancers.js';
import { registerProtocol } from '../plugins/protocols.js';
import { registerRouter } from '../plugins/routers.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { createRuntime } from './meshlet.js';
import type { Router } from './router.js';

// The runtime options that take a registered name (protocols, loadBalancer, router) as well as an
// object, over an in-process protocol whose endpoints answer with their own port.
function answering(name: string): Protocol {
  return {
    name,
    defaultPort: 1,
    createClient(ep: Endpoint): ProtocolClient {
      return { endpoint: ep, available: true, invoke: async () => `port ${ep.port}`, close: async () => {} };
    },
    createServer: () => { throw new Error('not used'); },
    toUrl: () => '',
    fromUrl: () => undefined,
  };
}

const Svc = defineService({ interface: 'com.example.Named', methods: { who: { params: [], returns: t.string } } });
const urls = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];
const lastOnly: Router = <C extends Candidate>(candidates: readonly C[]) => candidates.slice(-1);
const invalid = (pattern: RegExp) => (e: unknown) => RpcError.is(e, Code.InvalidArgument) && pattern.test(e.message);

test('protocols by registered name; an unknown name fails createRuntime naming the registered ones', async () => {
  registerProtocol('named-a', () => answering('named-a'));
  const mesh = createRuntime({ protocols: ['named-a'] });
  assert.equal(await mesh.refer(Svc, { url: urls.slice(0, 1) }).who(), 'port 1');
  await mesh.stop(0);
  assert.throws(() => createRuntime({ protocols: ['named-none'] }), invalid(/unknown protocol "named-none"; registered: .*named-a/));
});

test('router option: a Router replaces the tag router', async () => {
  const mesh = createRuntime({ protocols: [answering('named-b')], router: lastOnly });
  const svc = mesh.refer(Svc, { url: urls });
  for (let i = 0; i < 4; i++) assert.equal(await svc.who(), 'port 3');
  await mesh.stop(0);
});

test('router option: a registered name, made with the runtime\'s routes', async () => {
  let seen: unknown;
  registerRouter('named-first', (options) => (candidates) => { seen = options.routes(); return candidates.slice(0, 1); });
  const mesh = createRuntime({ protocols: [answering('named-c')], router: 'named-first', routes: { force: true } });
  const svc = mesh.refer(Svc, { url: urls });
  assert.equal(await svc.who(), 'port 1');
  assert.deepEqual(seen, { force: true });
  mesh.setRoutes({ key: 'lane' });
  await svc.who();
  assert.deepEqual(seen, { key: 'lane' }, 'setRoutes reaches a named router too');
  await mesh.stop(0);
  assert.throws(() => createRuntime({ protocols: [answering('named-c')], router: 'named-none' }), invalid(/unknown router "named-none"; registered: .*tag/));
});

test('loadBalancer option: a registered name gives each reference its own balancer', async () => {
  let made = 0;
  registerLoadBalancer('named-second', () => {
    made++;
    return { name: 'second', pick: (candidates) => candidates[Math.min(1, candidates.length - 1)]! };
  });
  const mesh = createRuntime({ protocols: [answering('named-d')], loadBalancer: 'named-second' });
  const before = made;
  assert.equal(await mesh.refer(Svc, { url: urls }).who(), 'port 2');
  await mesh.refer(Svc, { url: urls, group: 'other' }).who();
  assert.equal(made - before, 2, 'one balancer per reference');
  await mesh.stop(0);
  assert.throws(() => createRuntime({ protocols: [answering('named-d')], loadBalancer: 'named-none' }), invalid(/unknown load balancer "named-none"/));
});
