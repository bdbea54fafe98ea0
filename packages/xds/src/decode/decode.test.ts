// The decode contract (what the mesh mapping reads) on Envoy's real messages, and the property that
// no bytes crash the Any-unpacking path: a value or an RpcError, nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RpcError } from '@meshlet/core';
import { anyOf } from '../client/ads.fixture.js';
import { decodeDeltaResponse, decodeSotwResponse, encodeSotwResponse } from '../client/messages.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, RESOURCE_TYPES, ROUTE_CONFIGURATION } from '../type-urls.js';
import { anyToObject, decodeMessage } from './decode.js';
import { decodeResource } from './resource.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const RING = 'type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash';

test('a listener: Anys inside become { @type, ...fields }, oneofs named, Durations { seconds, nanos }, enums as names', () => {
  const hcm = anyOf(HCM, {
    rds: { routeConfigName: 'r', configSource: { ads: {} } },
    httpFilters: [
      { name: 'fault', typedConfig: anyOf(FAULT, { delay: { fixedDelay: { seconds: 1, nanos: 500_000_000 }, percentage: { numerator: 50, denominator: 'HUNDRED' } } }) },
      { name: 'router', typedConfig: anyOf(ROUTER, {}) },
    ],
    commonHttpProtocolOptions: { idleTimeout: { seconds: 30 } },
  });
  const l = decodeMessage(LISTENER, anyOf(LISTENER, { name: 'l', apiListener: { apiListener: hcm } }).value);
  const api = (l['apiListener'] as { apiListener: Record<string, unknown> }).apiListener;
  assert.equal(api['@type'], HCM);
  assert.equal(api['routeSpecifier'], 'rds');
  const filters = api['httpFilters'] as Array<{ typedConfig: Record<string, unknown> }>;
  assert.deepEqual(filters[0]!.typedConfig, {
    '@type': FAULT,
    // HUNDRED is the enum's zero: defaults are left out, as the contract says.
    delay: { fixedDelay: { seconds: 1, nanos: 500_000_000 }, percentage: { numerator: 50 }, faultDelaySecifier: 'fixedDelay' },
  });
  assert.deepEqual(filters[1]!.typedConfig, { '@type': ROUTER });
  assert.deepEqual((api['commonHttpProtocolOptions'] as Record<string, unknown>)['idleTimeout'], { seconds: 30 });
});

test('a cluster with a load_balancing_policy list, outlier detection and circuit breakers; 64-bit numbers as numbers', () => {
  const c = decodeMessage(CLUSTER, anyOf(CLUSTER, {
    name: 'c',
    type: 'EDS',
    loadBalancingPolicy: { policies: [{ typedExtensionConfig: { name: 'rh', typedConfig: anyOf(RING, { minimumRingSize: { value: '2048' }, hashFunction: 'MURMUR_HASH_2' }) } }] },
    outlierDetection: { consecutive_5xx: { value: 3 }, baseEjectionTime: { seconds: 10 } },
    circuitBreakers: { thresholds: [{ priority: 'HIGH', maxRequests: { value: 100 } }] },
  }).value);
  const policy = ((c['loadBalancingPolicy'] as { policies: Array<{ typedExtensionConfig: { typedConfig: Record<string, unknown> } }> }).policies[0]!).typedExtensionConfig.typedConfig;
  assert.deepEqual(policy, { '@type': RING, minimumRingSize: { value: 2048 }, hashFunction: 'MURMUR_HASH_2' });
  assert.deepEqual(c['outlierDetection'], { consecutive_5xx: { value: 3 }, baseEjectionTime: { seconds: 10 } });
  assert.equal(((c['circuitBreakers'] as { thresholds: Array<Record<string, unknown>> }).thresholds[0]!)['priority'], 'HIGH');
});

test('enum names other than the zero come as strings', () => {
  const f = decodeMessage(FAULT, anyOf(FAULT, { abort: { httpStatus: 503, percentage: { numerator: 5, denominator: 'TEN_THOUSAND' } } }).value);
  assert.deepEqual(f['abort'], { httpStatus: 503, percentage: { numerator: 5, denominator: 'TEN_THOUSAND' }, errorType: 'httpStatus' });
});

test('an Any of a type not loaded stays { @type, value: Buffer }', () => {
  const o = anyToObject({ type_url: 'type.googleapis.com/acme.Unknown', value: Buffer.from([1, 2, 3]) });
  assert.deepEqual(o, { '@type': 'type.googleapis.com/acme.Unknown', value: Buffer.from([1, 2, 3]) });
});

test('a route configuration and an assignment validate; their names come from the resource', () => {
  const rc = decodeResource(anyOf(ROUTE_CONFIGURATION, { name: 'r', virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] }), ROUTE_CONFIGURATION);
  assert.equal(rc.name, 'r');
  const bad = anyOf(CLUSTER_LOAD_ASSIGNMENT, { clusterName: 'e', endpoints: [{ priority: 1, lbEndpoints: [] }] });
  assert.throws(() => decodeResource(bad, CLUSTER_LOAD_ASSIGNMENT), (e: unknown) => e instanceof RpcError && /not contiguous/.test(e.message));
});

// Random bytes as the Any value of each resource type, as an Any nested in a listener (the path that
// unpacks typed_config), and as a whole response: only a value or an RpcError may come out.
test('property: no bytes crash the Any-unpacking decode path (a value or a typed RpcError)', () => {
  const typed = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...RESOURCE_TYPES, HCM, ROUTER, FAULT, RING), (bytes, typeUrl) => {
      typed(() => decodeResource({ type_url: typeUrl, value: bytes }, typeUrl));
      typed(() => decodeResource({ type_url: 'type.googleapis.com/envoy.service.discovery.v3.Resource', value: bytes }, typeUrl));
      typed(() => anyToObject({ type_url: typeUrl, value: bytes }));
      typed(() => decodeMessage(LISTENER, anyOf(LISTENER, { name: 'l', apiListener: { apiListener: { type_url: typeUrl, value: bytes } } }).value));
      typed(() => decodeSotwResponse(bytes));
      typed(() => decodeDeltaResponse(bytes));
      typed(() => decodeSotwResponse(encodeSotwResponse({ versionInfo: '1', typeUrl, nonce: 'n', resources: [{ type_url: typeUrl, value: bytes }] })));
    }),
    { numRuns: 3000 },
  );
});

test('Anys nested past the limit are refused with a typed error, not a stack overflow', () => {
  // An HttpFault's typed fields hold no Any; a Listener's api_listener does: nest listeners in listeners.
  let value = anyOf(LISTENER, { name: 'leaf' }).value;
  for (let i = 0; i < 40; i++) value = anyOf(LISTENER, { name: `l${i}`, apiListener: { apiListener: { type_url: LISTENER, value } } }).value;
  assert.throws(() => decodeMessage(LISTENER, value), (e: unknown) => e instanceof RpcError && /nested deeper/.test(e.message));
});
