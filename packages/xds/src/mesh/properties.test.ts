import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, createRuntime, defineService, RpcError, t, type Endpoint, type Invocation, type MeshCluster, type Protocol } from '@meshlet/core';
import { clusterSpec } from './cluster-spec.js';
import { endpointsOf } from './endpoints.js';
import { meshFault } from './fault.js';
import { retryPolicy } from './retry-policy.js';
import { RoutePolicy } from './route-table.js';
import { xdsMesh } from './xds-mesh.js';
import { FakeSource, HCM_TYPE } from './fixtures.fixture.js';
import type { Obj } from './values.js';

// Whatever a control plane sends (well-formed or not: validators upstream may let odd shapes
// through), the mapping neither throws nor hangs a call: it yields sane values, or calls fail with
// a typed RpcError.

const Svc = defineService({ interface: 'com.acme.Prop', methods: { m: { params: [], returns: t.string } } });
const inv: Invocation = { service: Svc, method: Svc.methods.get('m')!, args: [], attachments: { a: 'b' }, deadline: Date.now() + 1000 };

/** Arbitrary JSON-ish values, with the keys the mapping reads and prototype-polluting ones mixed in. */
const keys = fc.constantFrom('name', 'match', 'route', 'prefix', 'path', 'safeRegex', 'regex', 'headers', 'cluster', 'weightedClusters', 'clusters', 'weight', 'value',
  'retryPolicy', 'retryOn', 'numRetries', 'perTryTimeout', 'seconds', 'nanos', 'timeout', 'virtualHosts', 'domains', 'routes', 'endpoints', 'lbEndpoints', 'endpoint',
  'address', 'socketAddress', 'portValue', 'healthStatus', 'priority', 'locality', 'metadata', 'filterMetadata', 'meshlet', 'fields', 'type', 'lbPolicy',
  'circuitBreakers', 'thresholds', 'maxRequests', 'delay', 'abort', 'percentage', 'numerator', 'denominator', 'httpStatus', 'grpcStatus', 'fixedDelay',
  'hashPolicy', 'header', 'headerName', 'runtimeFraction', 'defaultValue', '__proto__', 'constructor', 'typedPerFilterConfig', '@type');
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), tie('object')),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
})).value;

const asObj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

test('property: the compilers never throw on arbitrary shapes, and what they give is sane', () => {
  fc.assert(fc.property(json, json, (a, b) => {
    const spec = clusterSpec({ name: 'c', ...asObj(a) });
    assert.equal(typeof spec.balancer, 'string');
    for (const e of endpointsOf(a, 'dubbo', 'c')) {
      assert.ok(Number.isInteger(e.port) && e.port > 0 && e.port <= 65535 && e.weight > 0 && e.host !== '');
      assert.equal(Object.getPrototypeOf(e.params), Object.prototype);
    }
    const retry = retryPolicy(asObj(a));
    if (retry) assert.ok(retry.retries >= 0 && retry.backoffBaseMs > 0 && retry.backoffMaxMs >= retry.backoffBaseMs);
    const fault = meshFault(asObj(b));
    if (fault) assert.ok(fault.delayShare >= 0 && fault.delayShare <= 1 && fault.abortShare >= 0 && fault.abortShare <= 1);
    const cluster = (name: string): MeshCluster => ({ name, subscribe: () => () => {} });
    const policy = new RoutePolicy({ authority: 'com.acme.Prop', service: 'com.acme.Prop', routeConfig: { virtualHosts: [{ domains: ['*'], routes: [a, b] }] }, faultFilters: [], cluster, channelId: 'c', sourceIp: 'i' });
    const r = policy.route(inv);
    if ('refusal' in r) assert.equal(r.refusal, Code.Unavailable);
    else assert.ok(r.targets.length > 0 && r.totalWeight > 0 && r.targets.every((x) => x.weight > 0));
  }), { numRuns: 2000 });
});

const protocol: Protocol = {
  name: 'prop', defaultPort: 1,
  createClient: (ep: Endpoint) => ({ endpoint: ep, available: true, invoke: async () => 'ok', close: async () => {} }),
  createServer: () => { throw new Error('not used'); },
  toUrl: () => '', fromUrl: () => undefined,
};

test('property: an arbitrary listener and route configuration: calls answer or fail with an RpcError, within their deadline', async () => {
  await fc.assert(fc.asyncProperty(json, json, async (routes, extra) => {
    const source = new FakeSource();
    const app = createRuntime({ protocols: [protocol], mesh: xdsMesh(source), timeout: 200 });
    try {
      const client = app.refer(Svc);
      source.set('Listener', 'com.acme.Prop', { name: 'com.acme.Prop', apiListener: { apiListener: { '@type': HCM_TYPE, routeConfig: { virtualHosts: [{ domains: ['*'], routes: [routes, extra] }] } } } });
      for (const name of ['c', 'name', '']) source.set('Cluster', name, { name, type: 'EDS' });
      source.set('ClusterLoadAssignment', 'c', { endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 1 } } } }] }] });
      const t0 = Date.now();
      const outcome = await client.m().then(() => 'ok', (e: unknown) => e);
      assert.ok(outcome === 'ok' || outcome instanceof RpcError, String(outcome));
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await app.stop(0);
    }
  }), { numRuns: 150 });
});
