import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint } from './endpoint.js';
import { formatProviderUrl, parseProviderUrl, registrationParams, sortedQuery } from './provider-url.js';
import { createServerInvocation } from './engine/server-invocation.js';
import { defineService } from './service.js';
import { t } from './types.js';

test('parseProviderUrl: interface from interface= else the path; each ecosystem spells the path its way', () => {
  assert.equal(parseProviderUrl('dubbo://10.0.0.1:20880/a.B?interface=c.D', 'dubbo')!.interface, 'c.D');
  assert.equal(parseProviderUrl('dubbo://10.0.0.1:20880/a%2EB', 'dubbo')!.interface, 'a%2EB');
  assert.equal(parseProviderUrl('motan2://10.0.0.1:8002/a%2EB?interface=c.D', 'motan2', { pathOnly: true, decodePath: true })!.interface, 'a.B');
  assert.equal(parseProviderUrl('rsocket://10.0.0.1:7000/%zz', 'rsocket', { decodePath: true }), undefined);
  assert.equal(parseProviderUrl('bolt://10.0.0.1:12200/x', 'dubbo'), undefined);
  assert.equal(parseProviderUrl('dubbo://10.0.0.1/x', 'dubbo'), undefined);
  const ep = parseProviderUrl('dubbo://[::1]:20880/x?weight=7&k=v', 'dubbo')!.endpoint;
  assert.deepEqual([ep.host, ep.port, ep.weight, ep.params.k], ['::1', 20880, 7, 'v']);
  assert.equal(parseProviderUrl('dubbo://h:1/x?weight=heavy', 'dubbo')!.endpoint.weight, 100);
});

test('registrationParams, sortedQuery and formatProviderUrl write what is set, sorted, the host bracketed', () => {
  const reg = { service: { interface: 'a.B', version: '1.0', group: 'g' }, endpoint: endpoint('x', '::1', 9, {}, 50), methods: [], application: 'app' };
  const params = registrationParams(reg, { z: '1 2' });
  assert.deepEqual(params, { z: '1 2', application: 'app', version: '1.0', group: 'g', weight: '50' });
  assert.equal(registrationParams(reg, {}, { group: false }).group, undefined);
  assert.equal(sortedQuery(params, encodeURIComponent), 'application=app&group=g&version=1.0&weight=50&z=1%202');
  assert.equal(formatProviderUrl('x', reg.endpoint, 'a.B', 'k=v'), 'x://[::1]:9/a.B?k=v');
  assert.equal(formatProviderUrl('bolt', endpoint('bolt', 'h', 1), undefined, 'k=v'), 'bolt://h:1?k=v');
});

test('createServerInvocation: the wire timeout from when the request was read; none, zero, negative or NaN is no deadline', () => {
  const S = defineService({ interface: 'a.B', methods: { m: { params: [t.string], returns: t.string } } });
  const exported = { service: S, method: S.methods.get('m')!, invoke: () => Promise.resolve(undefined) };
  const identity = { spiffeId: 'spiffe://a/b', subject: 'CN=b', uris: ['spiffe://a/b'], dnsNames: [] };
  const inv = createServerInvocation(exported, ['x'], { k: 'v' }, 250, { remoteAddress: '1.2.3.4:5', identity }, 1000);
  assert.deepEqual(inv, { service: S, method: exported.method, args: ['x'], attachments: { k: 'v' }, deadline: 1250, peer: '1.2.3.4:5', identity });
  for (const none of [undefined, 0, -1, Number.NaN]) {
    assert.equal(createServerInvocation(exported, [], {}, none, undefined, 1000).deadline, Number.POSITIVE_INFINITY);
  }
});
