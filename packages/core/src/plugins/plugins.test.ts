import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import { endpoint } from '../endpoint.js';
import { createInvocation } from '../invocation.js';
import { random } from '../load-balancer.js';
import type { Protocol } from '../protocol.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { createLoadBalancer, loadBalancerNames, registerLoadBalancer } from './balancers.js';
import { createProtocol, protocolNames, registerProtocol, resolveProtocols } from './protocols.js';
import { createRouter, registerRouter, routerNames } from './routers.js';
import { registerSerialization, serializationById, serializationByName, serializationNames, type Serialization } from './serializations.js';

const invalid = (pattern: RegExp) => (e: unknown) => RpcError.is(e, Code.InvalidArgument) && pattern.test(e.message);

function fakeProtocol(name: string, port = 1): Protocol {
  return {
    name,
    defaultPort: port,
    createClient: () => { throw new Error('not used'); },
    createServer: () => { throw new Error('not used'); },
    toUrl: () => '',
    fromUrl: () => undefined,
  };
}

test('protocols: registered by name, created per call with options, unknown names list the known ones', () => {
  registerProtocol<{ port: number }>('test-proto', (o) => fakeProtocol('test-proto', o?.port));
  assert.ok(protocolNames().includes('test-proto'));
  assert.equal(createProtocol('Test-Proto', { port: 7 }).defaultPort, 7, 'names are case-insensitive');
  assert.notEqual(createProtocol('test-proto'), createProtocol('test-proto'), 'a fresh instance each time');
  assert.throws(() => createProtocol('nope'), invalid(/unknown protocol "nope"; registered: .*test-proto/));
  const given = fakeProtocol('given');
  const [a, b] = resolveProtocols(['test-proto', given]);
  assert.equal(a!.name, 'test-proto');
  assert.equal(b, given, 'a Protocol object is used as it is');
});

test('a taken name is replaced only when asked; the same entry twice is a no-op', () => {
  const factory = () => fakeProtocol('test-twice');
  registerProtocol('test-twice', factory);
  registerProtocol('test-twice', factory);
  assert.throws(() => registerProtocol('test-twice', () => fakeProtocol('other')), invalid(/already registered.*replace: true/));
  registerProtocol('test-twice', () => fakeProtocol('other'), { replace: true });
  assert.equal(createProtocol('test-twice').name, 'other');
  assert.throws(() => registerProtocol('1bad name', factory), invalid(/invalid protocol name/));
  assert.throws(() => registerProtocol('test-none', undefined as never), invalid(/no protocol given/));
});

test('load balancers: registered factories, one balancer per create', () => {
  registerLoadBalancer('test-random', () => random());
  assert.ok(loadBalancerNames().includes('test-random'));
  const one = createLoadBalancer('test-random');
  assert.equal(one.name, 'random');
  assert.notEqual(one, createLoadBalancer('test-random'));
  assert.throws(() => createLoadBalancer('nope'), invalid(/unknown load balancer "nope"; registered: .*test-random/));
});

const Svc = defineService({ interface: 'S', methods: { m: { params: [], returns: t.string } } });
const call = (tag?: string) => createInvocation(Svc, Svc.methods.get('m')!, [], tag ? { attachments: { 'dubbo.tag': tag } } : {});
const c = (port: number, tag?: string) => ({ endpoint: endpoint('dubbo', 'h', port, tag ? { 'dubbo.tag': tag } : {}), pending: 0 });

test('routers: "tag" is built in and reads the rules it is handed; others register by name', () => {
  assert.ok(routerNames().includes('tag'));
  const all = [c(1), c(2, 'canary')];
  let forced = false;
  const tag = createRouter('tag', { routes: () => ({ force: forced }) });
  assert.deepEqual(tag(all, call('blue')).map((x) => x.endpoint.port), [1]);
  forced = true;
  assert.deepEqual(tag(all, call('blue')).map((x) => x.endpoint.port), [], 'rules are read per call');
  registerRouter('test-last', () => (candidates) => candidates.slice(-1));
  assert.deepEqual(createRouter('test-last')(all, call()).map((x) => x.endpoint.port), [2]);
  assert.throws(() => createRouter('nope'), invalid(/unknown router "nope"; registered: .*tag/));
});

test('serializations: found by name and by a protocol\'s wire id', () => {
  const json: Serialization = {
    name: 'test-json',
    ids: { dubbo: 99, motan2: 30 },
    encode: (values) => Buffer.from(JSON.stringify(values)),
    decode: (bytes, types) => {
      const values = JSON.parse(Buffer.from(bytes).toString()) as unknown[];
      if (values.length !== types.length) throw new RpcError(Code.Serialization, 'wrong count');
      return values;
    },
  };
  registerSerialization(json);
  assert.equal(serializationByName('TEST-JSON'), json);
  assert.equal(serializationById('dubbo', 99), json);
  assert.equal(serializationById('motan2', 30), json);
  assert.equal(serializationById('bolt', 99), undefined, 'ids are per protocol');
  assert.equal(serializationById('dubbo', 98), undefined);
  assert.ok(serializationNames().includes('test-json'));
  assert.deepEqual(json.decode(json.encode([1, 'a'], [t.int32, t.string]), [t.int32, t.string]), [1, 'a']);
  assert.throws(() => serializationByName('nope'), invalid(/unknown serialization "nope"; registered: .*test-json/));
  assert.throws(() => registerSerialization({ ...json }), invalid(/already registered/));
});
