// Breakers reach calls one way: the runtime's directory (core `EndpointBreakers`, with a gate per
// endpoint). These are the cases `withBreakers` (a balancer wrapper, removed in issue 15) covered,
// now asserted through that one route, with a real runtime and a BreakerSet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Code, createRuntime, endpoint, roundRobin, RpcError,
  type Endpoint, type LoadBalancer, type Protocol, type ProtocolClient, type Registry,
} from '@meshlet/core';
import { BreakerSet } from './breaker-set.js';
import { Orders } from './test-support.js';

interface Peer {
  /** Calls this address received. */
  calls: number;
  /** What its next calls do: answer, fail as the endpoint's fault, or stay pending until `release`. */
  mode: 'ok' | 'fail' | 'hold';
  held: (() => void)[];
}

/** A protocol whose clients answer from a table of peers the test drives, by address. */
function fakeProtocol(peers: Map<string, Peer>): Protocol {
  return {
    name: 'fake',
    defaultPort: 1,
    createClient(endpoint: Endpoint): ProtocolClient {
      const peer = peers.get(`${endpoint.host}:${endpoint.port}`)!;
      return {
        endpoint,
        available: true,
        invoke: () => {
          peer.calls++;
          if (peer.mode === 'fail') return Promise.reject(new RpcError(Code.ServerError, `fail ${endpoint.host}`));
          if (peer.mode === 'hold') return new Promise((resolve) => peer.held.push(() => resolve(endpoint.host)));
          return Promise.resolve(endpoint.host);
        },
        close: async () => {},
      };
    },
    createServer: () => { throw new Error('not used'); },
    toUrl: () => '',
    fromUrl: () => undefined,
  } as Protocol;
}

function setup(hosts: string[], breakers: BreakerSet) {
  const peers = new Map(hosts.map((h) => [`${h}:1`, { calls: 0, mode: 'ok', held: [] } as Peer]));
  const mesh = createRuntime({ protocols: [fakeProtocol(peers)], breakers: () => breakers });
  const client = mesh.refer(Orders, { protocol: 'fake', url: hosts.map((h) => `${h}:1`), cluster: 'failfast' });
  const peer = (h: string) => peers.get(`${h}:1`)!;
  return { mesh, client, peer };
}

test('an open breaker takes its endpoint out of the balancer’s choice', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const { mesh, client, peer } = setup(['a', 'b', 'c'], set);
  peer('b').mode = 'fail';
  while (set.notClosed === 0) await client.place('x').catch(() => {});
  assert.equal(set.state({ protocol: 'fake', host: 'b', port: 1, params: {} } as Endpoint), 'open');
  const before = peer('b').calls;
  const picked = new Set<unknown>();
  for (let i = 0; i < 30; i++) picked.add(await client.place('x'));
  assert.deepEqual([...picked].sort(), ['a', 'c']);
  assert.equal(peer('b').calls, before, 'no call reached the open endpoint');
  await mesh.stop(0);
  set.close();
});

test('every breaker open: UNAVAILABLE, the call is not sent', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const { mesh, client, peer } = setup(['a'], set);
  peer('a').mode = 'fail';
  await assert.rejects(client.place('x'), (e: unknown) => RpcError.is(e, Code.ServerError));
  const before = peer('a').calls;
  await assert.rejects(client.place('x'), (e: unknown) => RpcError.is(e, Code.Unavailable));
  assert.equal(peer('a').calls, before);
  await mesh.stop(0);
  set.close();
});

test('a half-open endpoint is offered until its probe is out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const set = new BreakerSet({ volumeThreshold: 1, resetTimeout: 100 });
  const { mesh, client, peer } = setup(['a', 'b'], set);
  peer('a').mode = 'fail';
  while (set.notClosed === 0) await client.place('x').catch(() => {});
  t.mock.timers.tick(100);
  peer('a').mode = 'hold';
  // Round robin: within two calls the half-open endpoint gets its probe, which stays out.
  const first = [client.place('x'), client.place('x')];
  assert.equal(peer('a').held.length, 1, 'one probe sent to a');
  const callsToA = peer('a').calls;
  const hosts = new Set<unknown>();
  for (let i = 0; i < 4; i++) hosts.add(await client.place('x'));
  assert.deepEqual([...hosts], ['b'], 'while the probe is out, only b');
  assert.equal(peer('a').calls, callsToA);
  peer('a').held.shift()!();
  await Promise.all(first);
  assert.equal(set.notClosed, 0);
  await mesh.stop(0);
  set.close();
});

test('an endpoint set change reaches both the balancer and the breakers: departed endpoints’ breakers shut down', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const peers = new Map([['a:1', { calls: 0, mode: 'fail', held: [] } as Peer], ['b:1', { calls: 0, mode: 'ok', held: [] } as Peer]]);
  let push: (eps: Endpoint[]) => void = () => {};
  const registry = {
    name: 'fixed',
    register: async () => {}, unregister: async () => {}, close: async () => {},
    subscribe: async (_key: unknown, listener: (eps: Endpoint[]) => void) => {
      push = listener;
      listener([endpoint('fake', 'a', 1)]);
      return () => {};
    },
  } as unknown as Registry;
  const seen: number[] = [];
  const balancer = (): LoadBalancer => ({ ...roundRobin(), update: (eps) => { seen.push(eps.length); } });
  const mesh = createRuntime({ protocols: [fakeProtocol(peers)], registry, loadBalancer: balancer, breakers: () => set });
  const client = mesh.refer(Orders, { protocol: 'fake', cluster: 'failfast' });
  await assert.rejects(client.place('x'));
  assert.equal(set.size, 1);
  push([endpoint('fake', 'b', 1)]);
  assert.deepEqual(seen, [1, 1]);
  assert.equal(set.size, 0);
  assert.equal(await client.place('x'), 'b');
  await mesh.stop(0);
  set.close();
});
