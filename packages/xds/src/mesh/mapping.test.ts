import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, defineService, endpoint, t, type Invocation, type MeshCluster, type MeshRoute } from '@meshlet/core';
import { clusterSpec } from './cluster-spec.js';
import { endpointsOf } from './endpoints.js';
import { faultOverride, meshFault } from './fault.js';
import { hashKeyOf } from './hash-policy.js';
import { headerMatcher, pathMatcher, virtualHostFor } from './matchers.js';
import { retryPolicy } from './retry-policy.js';
import { RoutePolicy } from './route-table.js';
import { durationMs, fraction, structStrings, wrapped } from './values.js';
import { FAULT_TYPE, assignment, cluster, ms, route, routeConfig } from './fixtures.fixture.js';

// The mapping's pieces on hand-written resources in the contract's shape.

const Svc = defineService({ interface: 'com.acme.Echo', methods: { echo: { params: [t.string], returns: t.string }, ping: { params: [], returns: t.string } } });
function inv(method: 'echo' | 'ping', attachments: Record<string, string> = {}): Invocation {
  return { service: Svc, method: Svc.methods.get(method)!, args: [], attachments, deadline: Date.now() + 1000 };
}

test('values: Durations, wrappers ({} is 0), fractional percents, Structs', () => {
  assert.equal(durationMs({ seconds: 1, nanos: 500_000_000 }), 1500);
  assert.equal(durationMs({ nanos: 2_000_000 }), 2);
  assert.equal(durationMs('0.25s'), 250);
  assert.equal(durationMs(undefined), undefined);
  assert.equal(wrapped({ value: 3 }), 3);
  assert.equal(wrapped({}), 0);
  assert.equal(wrapped(undefined), undefined);
  assert.equal(fraction({ numerator: 25 }), 0.25);
  assert.equal(fraction({ numerator: 25, denominator: 'TEN_THOUSAND' }), 0.0025);
  assert.equal(fraction({ numerator: 5, denominator: 'MILLION' }), 0.000005);
  assert.equal(fraction({ numerator: 500 }), 1);
  assert.deepEqual({ ...structStrings({ fields: { protocol: { stringValue: 'tri' }, w: { numberValue: 3 }, __proto__x: { boolValue: true } } }) },
    { protocol: 'tri', w: '3', __proto__x: 'true' });
  assert.deepEqual({ ...structStrings({ protocol: 'tri', nested: { a: 1 } }) }, { protocol: 'tri' });
});

test('path matchers: prefix, path, safe_regex (whole path), case_sensitive false; unknown specifiers skip the route', () => {
  const p = '/com.acme.Echo/echo';
  assert.ok(pathMatcher({ prefix: '/com.acme.Echo/' })!(p));
  assert.ok(!pathMatcher({ prefix: '/com.acme.Other/' })!(p));
  assert.ok(pathMatcher({ path: '/com.acme.Echo/echo' })!(p));
  assert.ok(!pathMatcher({ path: '/com.acme.echo/echo' })!(p));
  assert.ok(pathMatcher({ path: '/com.acme.echo/ECHO', caseSensitive: { value: false } })!(p));
  assert.ok(pathMatcher({ prefix: '/COM.', caseSensitive: {} })!(p), '{} is false');
  assert.ok(pathMatcher({ safeRegex: { regex: '/com\\.acme\\.Echo/(echo|ping)' } })!(p));
  assert.ok(!pathMatcher({ safeRegex: { regex: 'echo' } })!(p), 'a regex matches the whole path');
  assert.equal(pathMatcher({ pathSeparatedPrefix: '/x', pathSpecifier: 'pathSeparatedPrefix' }), undefined);
  assert.equal(pathMatcher({ safeRegex: { regex: '(' } }), undefined);
});

test('header matchers on attachments: exact, prefix, present, regex, string_match, invert; names case-insensitively', () => {
  const a = { 'x-lane': 'canary-7', user: 'bob' };
  assert.ok(headerMatcher({ name: 'x-lane', exactMatch: 'canary-7' })!(a));
  assert.ok(headerMatcher({ name: 'X-Lane', prefixMatch: 'canary' })!(a));
  assert.ok(headerMatcher({ name: 'user', presentMatch: true })!(a));
  assert.ok(headerMatcher({ name: 'nobody', presentMatch: false })!(a));
  assert.ok(!headerMatcher({ name: 'nobody', presentMatch: true })!(a));
  assert.ok(headerMatcher({ name: 'x-lane', safeRegexMatch: { regex: 'canary-\\d+' } })!(a));
  assert.ok(!headerMatcher({ name: 'x-lane', safeRegexMatch: { regex: 'canary' } })!(a));
  assert.ok(headerMatcher({ name: 'user', stringMatch: { exact: 'BOB', ignoreCase: true } })!(a));
  assert.ok(headerMatcher({ name: 'user', stringMatch: { suffix: 'ob' } })!(a));
  assert.ok(headerMatcher({ name: 'user', exactMatch: 'alice', invertMatch: true })!(a));
  assert.ok(!headerMatcher({ name: 'missing', exactMatch: 'x' })!(a));
  assert.equal(headerMatcher({ name: 'user' }), undefined, 'no matcher set: unknown');
});

test('virtual hosts: exact, then longest *.suffix, then prefix.*, then *', () => {
  const vhs = [
    { name: 'any', domains: ['*'] },
    { name: 'prefix', domains: ['com.acme.*'] },
    { name: 'suffix', domains: ['*.Echo'] },
    { name: 'exact', domains: ['com.acme.Echo'] },
  ];
  assert.equal(virtualHostFor(vhs, 'com.acme.Echo')!.name, 'exact');
  assert.equal(virtualHostFor(vhs.slice(0, 3), 'com.acme.Echo')!.name, 'suffix');
  assert.equal(virtualHostFor(vhs.slice(0, 2), 'com.acme.Echo')!.name, 'prefix');
  assert.equal(virtualHostFor(vhs.slice(0, 1), 'com.acme.Echo')!.name, 'any');
  assert.equal(virtualHostFor([{ domains: ['other'] }], 'com.acme.Echo'), undefined);
});

test('retry policy: retry_on conditions as codes, Envoy defaults (1 retry, 25/250 ms), status codes, per-try timeout', () => {
  const p = retryPolicy({ retryOn: '5xx,resource-exhausted' })!;
  assert.equal(p.retries, 1);
  assert.equal(p.backoffBaseMs, 25);
  assert.equal(p.backoffMaxMs, 250);
  assert.ok(p.on.has(Code.ServerError) && p.on.has(Code.Unavailable) && p.on.has(Code.ConnectionClosed) && p.on.has(Code.ServerBusy));
  assert.ok(!p.on.has(Code.Business), 'an answered call is not a 5xx');
  assert.ok(p.perTryTimeoutRetried);
  const g = retryPolicy({ retryOn: 'unavailable,deadline-exceeded', numRetries: { value: 3 }, perTryTimeout: ms(200), retryBackOff: { baseInterval: ms(10) } })!;
  assert.equal(g.retries, 3);
  assert.equal(g.perTryTimeoutMs, 200);
  assert.equal(g.backoffMaxMs, 100, 'max defaults to 10 × base');
  assert.ok(g.on.has(Code.Unavailable) && g.on.has(Code.Timeout) && !g.on.has(Code.ServerError));
  assert.ok(!g.perTryTimeoutRetried);
  const s = retryPolicy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [503, 500] })!;
  assert.ok(s.on.has(Code.Unavailable) && s.on.has(Code.ServerBusy) && s.on.has(Code.ServerError));
  assert.equal(retryPolicy({ retryOn: 'connect-failure', numRetries: {} })!.retries, 0, '{} is 0 retries');
  assert.equal(retryPolicy({ retryOn: 'retriable-4xx' }), undefined, 'nothing Meshlet can retry');
  assert.equal(retryPolicy(undefined), undefined);
});

test('fault: delay and abort with percentages; grpc_status wins over http_status; overrides and disabled FilterConfig', () => {
  const f = meshFault({ delay: { fixedDelay: ms(300), percentage: { numerator: 50 } }, abort: { httpStatus: 503, percentage: { numerator: 10 } } })!;
  assert.deepEqual(f, { delayShare: 0.5, delayMs: 300, abortShare: 0.1, abortCode: Code.Unavailable });
  assert.equal(meshFault({ abort: { grpcStatus: 8, httpStatus: 500, percentage: { numerator: 100 } } })!.abortCode, Code.ServerBusy);
  assert.equal(meshFault({ abort: { httpStatus: 503 } }), undefined, 'no percentage: 0 %');
  assert.equal(meshFault({}), undefined);
  const cfg = { '@type': FAULT_TYPE, abort: { grpcStatus: 14, percentage: { numerator: 100 } } };
  assert.equal(faultOverride(cfg), cfg);
  assert.equal(faultOverride({ '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', config: cfg }), cfg);
  assert.equal(faultOverride({ '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true }), null);
  assert.equal(faultOverride({ '@type': 'type.googleapis.com/other.Thing' }), undefined);
});

test('hash policy: header -> attachment, channel id, source ip; terminal stops; none -> undefined', () => {
  const key = hashKeyOf([{ header: { headerName: 'x-user' } }], 'chan', '10.0.0.1')!;
  assert.equal(key(inv('echo', { 'x-user': 'u1' })), 'u1');
  assert.equal(key(inv('echo')), undefined);
  const two = hashKeyOf([{ header: { headerName: 'x-user' }, terminal: true }, { filterState: { key: 'io.grpc.channel_id' } }], 'chan', 'ip')!;
  assert.equal(two(inv('echo', { 'x-user': 'u1' })), 'u1');
  assert.equal(two(inv('echo')), 'chan');
  assert.equal(hashKeyOf([{ connectionProperties: { sourceIp: true } }], 'c', '10.0.0.1')!(inv('echo')), '10.0.0.1');
  assert.equal(hashKeyOf([{ cookie: { name: 'x' } }], 'c', 'i'), undefined);
});

test('endpoints: HEALTHY/UNKNOWN only, weights, protocol from meshlet metadata, locality and priority params', () => {
  const cla = assignment('c', [
    { port: 1 },
    { port: 2, health: 'HEALTHY', weight: 5 },
    { port: 3, health: 'DRAINING' },
    { port: 4, health: 'UNHEALTHY' },
    { port: 5, meta: { fields: { protocol: { stringValue: 'tri' }, serialization: { stringValue: 'protobuf' } } } },
    { port: 6, priority: 1, zone: 'z2' },
    { port: 6, priority: 1, zone: 'z2' },
  ]);
  const eps = endpointsOf(cla, 'dubbo', 'c');
  assert.deepEqual(eps.map((e) => `${e.protocol}:${e.port}:${e.weight}`), ['dubbo:1:1', 'dubbo:2:5', 'tri:5:1', 'dubbo:6:1']);
  assert.equal(eps[2]!.params.serialization, 'protobuf');
  assert.equal(eps[2]!.params.protocol, undefined);
  assert.equal(eps[3]!.params['xds.priority'], '1');
  assert.equal(eps[3]!.params['xds.locality'], 'r/z2/');
  assert.equal(eps[0]!.params['xds.cluster'], 'c');
  assert.deepEqual(endpointsOf({ endpoints: [{ lbEndpoints: [{ endpoint: { address: { pipe: { path: '/x' } } } }, { endpoint: { address: { socketAddress: { address: 'h', portValue: 70000 } } } }] }] }, 'dubbo', 'c'), []);
  assert.deepEqual(endpointsOf(undefined, 'dubbo', 'c'), []);
});

test('cluster: EDS service name, lb_policy and load_balancing_policy, circuit breakers, outlier detection, unsupported types', () => {
  const c = clusterSpec(cluster('a', {
    lbPolicy: 'RING_HASH',
    circuitBreakers: { thresholds: [{ priority: 'HIGH', maxRequests: { value: 1 } }, { maxRequests: { value: 64 }, maxRetries: { value: 2 } }] },
    outlierDetection: { consecutive_5xx: { value: 3 } },
  }));
  assert.equal(c.eds, 'a-eds');
  assert.equal(c.balancer, 'consistenthash');
  assert.equal(c.maxRequests, 64);
  assert.equal(c.maxRetries, 2);
  assert.deepEqual(c.outlierDetection, { consecutive_5xx: { value: 3 } });
  assert.equal(c.retryBudget, undefined);
  const budget = (rb: object) => clusterSpec({ name: 'r', type: 'EDS', circuitBreakers: { thresholds: [{ retryBudget: rb }] } }).retryBudget;
  assert.deepEqual(budget({}), { percent: 20, minConcurrency: 3 }, "Envoy's defaults");
  assert.deepEqual(budget({ budgetPercent: { value: 50 }, minRetryConcurrency: { value: 1 } }), { percent: 50, minConcurrency: 1 });
  assert.deepEqual(budget({ budgetPercent: {}, minRetryConcurrency: {} }), { percent: 0, minConcurrency: 0 }, '{} is 0');
  assert.equal(clusterSpec({ name: 'b', type: 'EDS' }).eds, 'b');
  assert.equal(clusterSpec({ name: 'b', type: 'EDS' }).balancer, 'roundrobin');
  assert.equal(clusterSpec({ name: 'b', type: 'EDS', lbPolicy: 'LEAST_REQUEST' }).balancer, 'leastpending');
  const wrr = {
    policies: [{ typedExtensionConfig: { typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality',
      endpointPickingPolicy: { policies: [{ typedExtensionConfig: { typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random' } } }] } } } }],
  };
  assert.equal(clusterSpec({ name: 'w', type: 'EDS', loadBalancingPolicy: wrr }).balancer, 'random');
  const inline = clusterSpec({ name: 's', loadAssignment: assignment('s', [{ port: 9 }]) });
  assert.equal(inline.eds, undefined);
  assert.ok(inline.inline);
  assert.match(clusterSpec({ name: 'agg', clusterType: { name: 'envoy.clusters.aggregate' } }).unsupported!, /not support/);
});

test('route table: first match wins; weighted clusters; headers and runtime fraction checked per call; refusals', () => {
  const made = new Map<string, MeshCluster>();
  const clusterOf = (name: string) => {
    let c = made.get(name);
    if (!c) made.set(name, (c = { name, subscribe: (l) => { l([endpoint('dubbo', '127.0.0.1', 1)]); return () => {}; } }));
    return c;
  };
  const rc = routeConfig('rc', [
    route({ cluster: 'lane' }, { prefix: '/com.acme.Echo/', headers: [{ name: 'x-lane', exactMatch: 'b' }] }),
    route({ cluster: 'never' }, { path: '/com.acme.Echo/ping', runtimeFraction: { defaultValue: { numerator: 0 } } }),
    route({ weightedClusters: { clusters: [{ name: 'v1', weight: { value: 90 } }, { name: 'v2', weight: { value: 10 } }, { name: 'off', weight: {} }] }, timeout: ms(700), retryPolicy: { retryOn: 'unavailable' } }, { path: '/com.acme.Echo/echo' }),
    { match: { prefix: '/com.acme.Echo/ping' }, redirect: { hostRedirect: 'x' } },
  ], ['com.acme.Echo']);
  const policy = new RoutePolicy({ authority: 'com.acme.Echo', service: 'com.acme.Echo', routeConfig: rc, faultFilters: [], cluster: clusterOf, channelId: 'c', sourceIp: 'i' });
  const lane = policy.route(inv('echo', { 'x-lane': 'b' })) as MeshRoute;
  assert.equal(lane.targets[0]!.cluster.name, 'lane');
  const weighted = policy.route(inv('echo')) as MeshRoute;
  assert.deepEqual(weighted.targets.map((x) => [x.cluster.name, x.weight]), [['v1', 90], ['v2', 10]]);
  assert.equal(weighted.totalWeight, 100);
  assert.equal(weighted.timeoutMs, 700);
  assert.ok(weighted.retry!.on.has(Code.Unavailable));
  assert.equal(policy.route(inv('echo')), weighted, 'the same precompiled route object per call');
  const ping = policy.route(inv('ping'));
  assert.ok('refusal' in ping && /not a forwarding route/.test(ping.message));
  assert.deepEqual(policy.clusters.map((c) => c.name).sort(), ['lane', 'never', 'v1', 'v2']);
  const Other = defineService({ interface: 'com.acme.Other', methods: { x: { params: [], returns: t.string } } });
  const other = new RoutePolicy({ authority: 'com.acme.Other', service: 'com.acme.Other', routeConfig: rc, faultFilters: [], cluster: clusterOf, channelId: 'c', sourceIp: 'i' });
  const r = other.route({ ...inv('echo'), service: Other, method: Other.methods.get('x')! });
  assert.ok('refusal' in r && r.refusal === Code.Unavailable && /no virtual host/.test(r.message));
});

test('route table: the fault filter config, overridden per virtual host and per route (max_stream_duration over timeout)', () => {
  const clusterOf = (name: string): MeshCluster => ({ name, subscribe: () => () => {} });
  const abort = (status: number) => ({ '@type': FAULT_TYPE, abort: { grpcStatus: status, percentage: { numerator: 100 } } });
  const rc = routeConfig('rc', [
    route({ cluster: 'a', timeout: ms(100), maxStreamDuration: { maxStreamDuration: ms(300) } }, { path: '/com.acme.Echo/echo' }, { typedPerFilterConfig: { 'envoy.filters.http.fault': abort(8) } }),
    route({ cluster: 'a', timeout: { seconds: 0 } }, { path: '/com.acme.Echo/ping' }),
  ], ['*'], { typedPerFilterConfig: { 'envoy.filters.http.fault': abort(14) } });
  const policy = new RoutePolicy({
    authority: 'com.acme.Echo', service: 'com.acme.Echo', routeConfig: rc, cluster: clusterOf, channelId: 'c', sourceIp: 'i',
    faultFilters: [{ name: 'envoy.filters.http.fault', config: { '@type': FAULT_TYPE } }],
  });
  const echo = policy.route(inv('echo')) as MeshRoute;
  assert.equal(echo.fault!.abortCode, Code.ServerBusy, 'the route override');
  assert.equal(echo.timeoutMs, 300, 'max_stream_duration first, as gRPC');
  const ping = policy.route(inv('ping')) as MeshRoute;
  assert.equal(ping.fault!.abortCode, Code.Unavailable, 'the virtual host override');
  assert.equal(ping.timeoutMs, undefined, 'a 0 timeout disables it');
});

test("route table: a route's timeout in gRPC's order (grpc_timeout_header_max, max_stream_duration), then route.timeout, then the listener's max_stream_duration", () => {
  const clusterOf = (name: string): MeshCluster => ({ name, subscribe: () => () => {} });
  const rc = routeConfig('rc', [
    route({ cluster: 'a', maxStreamDuration: { maxStreamDuration: ms(3000), grpcTimeoutHeaderMax: ms(250) } }, { path: '/com.acme.Echo/echo' }),
    route({ cluster: 'a', timeout: ms(700) }, { path: '/com.acme.Echo/ping' }),
  ], ['*']);
  const input = { authority: 'com.acme.Echo', service: 'com.acme.Echo', faultFilters: [], listenerMaxStreamMs: 200, cluster: clusterOf, channelId: 'c', sourceIp: 'i' };
  const policy = new RoutePolicy({ ...input, routeConfig: rc });
  assert.equal((policy.route(inv('echo')) as MeshRoute).timeoutMs, 250, 'grpc_timeout_header_max first');
  assert.equal((policy.route(inv('ping')) as MeshRoute).timeoutMs, 700, 'route.timeout before the listener');
  const bare = new RoutePolicy({ ...input, routeConfig: routeConfig('rc', [route({ cluster: 'a' }, { prefix: '/' })], ['*']) });
  assert.equal((bare.route(inv('echo')) as MeshRoute).timeoutMs, 200, "the listener's max_stream_duration");
});
