import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t, type Endpoint, type Protocol, type ProtocolClient } from '@meshlet/core';
import { xdsMesh } from './xds-mesh.js';
import { FakeSource, assignment, cluster, faultFilter, listener, ms, route, routeConfig } from './fixtures.fixture.js';

// xdsMesh driving a real runtime from a fake xDS source (the contract's watch()), over an
// in-process protocol whose endpoints answer with their port.

const slow = new Set<number>();
const protocol: Protocol = {
  name: 'xdstest',
  defaultPort: 1,
  createClient(ep: Endpoint): ProtocolClient {
    return {
      endpoint: ep, available: true,
      invoke: (inv) => new Promise((resolve, reject) => {
        if (!slow.has(ep.port)) return resolve(ep.port);
        setTimeout(() => reject(new RpcError(Code.Timeout, 'timed out')), Math.max(0, inv.deadline - Date.now()));
      }),
      close: async () => {},
    };
  },
  createServer: () => { throw new Error('not used'); },
  toUrl: () => '',
  fromUrl: () => undefined,
};

const Echo = defineService({ interface: 'com.acme.Echo', methods: { echo: { params: [], returns: t.int32 } } });

function setup() {
  const source = new FakeSource();
  const app = createRuntime({ protocols: [protocol], mesh: xdsMesh(source), timeout: 1500 });
  return { source, app, echo: app.refer(Echo) };
}

test('LDS -> RDS -> CDS -> EDS: calls wait for the whole tree, then follow it; EDS updates move them', async () => {
  const { source, app, echo } = setup();
  const first = echo.echo();
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', 'rc'));
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'c1' })]));
  assert.equal(source.watching('Cluster', 'c1'), 1);
  source.set('Cluster', 'c1', cluster('c1'));
  assert.equal(source.watching('ClusterLoadAssignment', 'c1-eds'), 1);
  source.set('ClusterLoadAssignment', 'c1-eds', assignment('c1-eds', [{ port: 11 }]));
  assert.equal(await first, 11);
  source.set('ClusterLoadAssignment', 'c1-eds', assignment('c1-eds', [{ port: 11, health: 'DRAINING' }, { port: 12 }]));
  for (let i = 0; i < 4; i++) assert.equal(await echo.echo(), 12);
  // An endpoint whose metadata names another protocol is not this reference's.
  source.set('ClusterLoadAssignment', 'c1-eds', assignment('c1-eds', [{ port: 12, meta: { protocol: 'other' } }, { port: 13 }]));
  assert.equal(await echo.echo(), 13);
  await app.stop(0);
  assert.equal(source.watching('Listener', 'com.acme.Echo'), 0, 'stop unwatches');
  assert.equal(source.watching('ClusterLoadAssignment', 'c1-eds'), 0);
});

test('a route moving to a new cluster is published only once CDS answered it; the old cluster is unwatched', async () => {
  const { source, app, echo } = setup();
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', routeConfig('inline', [route({ cluster: 'a' })])));
  source.set('Cluster', 'a', cluster('a'));
  source.set('ClusterLoadAssignment', 'a-eds', assignment('a-eds', [{ port: 21 }]));
  assert.equal(await echo.echo(), 21);
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', routeConfig('inline', [route({ cluster: 'b' })])));
  assert.equal(await echo.echo(), 21, 'b is not known yet: the old policy stays');
  source.set('ClusterLoadAssignment', 'b-eds', assignment('b-eds', [{ port: 22 }]));
  source.set('Cluster', 'b', cluster('b'));
  assert.equal(await echo.echo(), 22);
  assert.equal(source.watching('Cluster', 'a'), 0);
  assert.equal(source.watching('ClusterLoadAssignment', 'a-eds'), 0);
  await app.stop(0);
});

test('weighted clusters: a canary shift under 128 in flight matches its weights', async () => {
  const { source, app, echo } = setup();
  const weights = (a: number, b: number) => routeConfig('rc', [route({ weightedClusters: { clusters: [{ name: 'stable', weight: { value: a } }, { name: 'canary', weight: { value: b } }] } })]);
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', 'rc'));
  source.set('RouteConfiguration', 'rc', weights(90, 10));
  source.set('Cluster', 'stable', cluster('stable'));
  source.set('Cluster', 'canary', cluster('canary'));
  source.set('ClusterLoadAssignment', 'stable-eds', assignment('stable-eds', [{ port: 31 }, { port: 32 }]));
  source.set('ClusterLoadAssignment', 'canary-eds', assignment('canary-eds', [{ port: 33 }]));
  const share = async () => {
    let canary = 0;
    const n = 128 * 16;
    for (let i = 0; i < 16; i++) {
      const ports = await Promise.all(Array.from({ length: 128 }, () => echo.echo()));
      canary += ports.filter((p) => p === 33).length;
    }
    return canary / n;
  };
  // n = 2048: σ ≤ 0.011, so ±0.05 is over 4σ.
  const s10 = await share();
  assert.ok(Math.abs(s10 - 0.1) < 0.05, `10 %: ${s10}`);
  source.set('RouteConfiguration', 'rc', weights(50, 50));
  const s50 = await share();
  assert.ok(Math.abs(s50 - 0.5) < 0.05, `50 %: ${s50}`);
  source.set('RouteConfiguration', 'rc', weights(0, 100));
  assert.equal(await share(), 1);
  await app.stop(0);
});

test('route timeout, fault and retries from xDS; a missing cluster and a removed listener fail calls UNAVAILABLE, unsent', async () => {
  const { source, app, echo } = setup();
  slow.add(42);
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', 'rc', [faultFilter()]));
  source.set('Cluster', 'c', cluster('c'));
  source.set('ClusterLoadAssignment', 'c-eds', assignment('c-eds', [{ port: 42 }]));
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'c', timeout: ms(150) })]));
  let t0 = Date.now();
  await assert.rejects(echo.echo(), (e: unknown) => RpcError.is(e, Code.Timeout));
  let took = Date.now() - t0;
  assert.ok(took >= 140 && took < 1000, `timed out after ${took} ms`);

  // A per-try timeout retried onto another endpoint.
  source.set('ClusterLoadAssignment', 'c-eds', assignment('c-eds', [{ port: 42 }, { port: 43 }]));
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'c', timeout: ms(1200), retryPolicy: { retryOn: 'reset', numRetries: { value: 2 }, perTryTimeout: ms(100) } })]));
  for (let i = 0; i < 4; i++) assert.equal(await echo.echo(), 43);

  const fault = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { grpcStatus: 14, percentage: { numerator: 100 } } };
  source.set('ClusterLoadAssignment', 'c-eds', assignment('c-eds', [{ port: 43 }]));
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'c' }, { prefix: '' }, { typedPerFilterConfig: { 'envoy.filters.http.fault': fault } })]));
  await assert.rejects(echo.echo(), (e: unknown) => RpcError.is(e, Code.Unavailable) && /fault injected/.test((e as Error).message));
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'c' })]));
  assert.equal(await echo.echo(), 43);

  // A cluster CDS says does not exist, then one of a type Meshlet cannot use: calls fail at once, saying so.
  source.set('RouteConfiguration', 'rc', routeConfig('rc', [route({ cluster: 'gone' })]));
  source.set('Cluster', 'gone', undefined);
  await assert.rejects(echo.echo(), (e: unknown) => RpcError.is(e, Code.Unavailable) && /cluster gone does not exist/.test((e as Error).message));
  source.set('Cluster', 'gone', { name: 'gone', clusterType: { name: 'envoy.clusters.aggregate' } });
  await assert.rejects(echo.echo(), (e: unknown) => RpcError.is(e, Code.Unavailable) && /type CUSTOM, which Meshlet does not support/.test((e as Error).message));

  source.set('Listener', 'com.acme.Echo', undefined);
  t0 = Date.now();
  await assert.rejects(echo.echo(), (e: unknown) => RpcError.is(e, Code.Unavailable) && /listener com.acme.Echo does not exist/.test((e as Error).message));
  took = Date.now() - t0;
  assert.ok(took < 500, 'fails at once, unsent');
  slow.delete(42);
  await app.stop(0);
});

test('circuit breaker thresholds: over max_requests calls fail SERVER_BUSY unsent', async () => {
  const { source, app, echo } = setup();
  slow.add(51);
  source.set('Listener', 'com.acme.Echo', listener('com.acme.Echo', routeConfig('rc', [route({ cluster: 'c', timeout: ms(200) })])));
  source.set('Cluster', 'c', cluster('c', { circuitBreakers: { thresholds: [{ maxRequests: { value: 4 } }] } }));
  source.set('ClusterLoadAssignment', 'c-eds', assignment('c-eds', [{ port: 51 }]));
  const calls = await Promise.allSettled(Array.from({ length: 6 }, () => echo.echo()));
  const codes = calls.map((c) => (c.status === 'rejected' ? (c.reason as RpcError).code : 'ok'));
  assert.deepEqual(codes, [Code.Timeout, Code.Timeout, Code.Timeout, Code.Timeout, Code.ServerBusy, Code.ServerBusy]);
  slow.delete(51);
  await app.stop(0);
});

test('names: the target is the interface, put into the listener template (the bootstrap\'s, or the option); services() leaves references out', async () => {
  const source = new FakeSource();
  const withBootstrap = Object.assign(source, { bootstrap: { clientDefaultListenerResourceNameTemplate: 'xdstp://cp/envoy.config.listener.v3.Listener/%s' } });
  const app = createRuntime({ protocols: [protocol], mesh: xdsMesh(withBootstrap), timeout: 1500 });
  const echo = app.refer(Echo);
  const pending = echo.echo();
  assert.ok(source.watched.includes('Listener/xdstp://cp/envoy.config.listener.v3.Listener/com.acme.Echo'), source.watched.join());
  // Virtual hosts are matched against the target, not the listener's resource name.
  source.set('Listener', 'xdstp://cp/envoy.config.listener.v3.Listener/com.acme.Echo', listener('l', routeConfig('rc', [route({ cluster: 'c' })], ['com.acme.Echo'])));
  source.set('Cluster', 'c', cluster('c'));
  source.set('ClusterLoadAssignment', 'c-eds', assignment('c-eds', [{ port: 61 }]));
  assert.equal(await pending, 61);
  await app.stop(0);

  const other = new FakeSource();
  const app2 = createRuntime({
    protocols: [protocol], timeout: 1500,
    mesh: xdsMesh(other, { listenerTemplate: 'svc/%s', target: (s) => `${s.service.interface}.v2`, services: (s) => s.service.interface !== 'com.acme.Skip' }),
  });
  app2.refer(Echo);
  assert.deepEqual(other.watched, ['Listener/svc/com.acme.Echo.v2']);
  const Skip = defineService({ interface: 'com.acme.Skip', methods: { x: { params: [], returns: t.int32 } } });
  assert.throws(() => app2.refer(Skip), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /no registry configured/.test((e as Error).message), 'left to the registry path');
  await app2.stop(0);
});
