// SOFARPC's naming in Nacos, without a server: names, the instance Meshlet writes, and hosts read
// back, against what a real Java SOFARPC 5.13.2 provider wrote into r-nacos (captured below).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, endpoint, RpcError, type Registration } from '@meshlet/core';
import { nacosSettings } from './index.js';
import { dubboNaming, namingFor } from './nacos/naming.js';
import { SOFA_CLUSTER, SOFA_NAMESPACE, sofaEndpoint, sofaInstance, sofaNaming, sofaServiceName } from './nacos/sofa-naming.js';

const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);
const ECHO = 'com.meshlet.conformance.EchoService';

/**
 * One host of `GET /nacos/v1/ns/instance/list?namespaceId=sofa-rpc&serviceName=com.meshlet.conformance.EchoService:g2:DEFAULT`
 * after test/fleet/java/sofarpc's Provider (sofa-rpc-all 5.13.2, nacos-client 2.0.3 over gRPC)
 * exported EchoService with uniqueId g2 (service `DEFAULT_GROUP@@...`, cluster `default-cluster`).
 */
const JAVA_G2_HOST = {
  service: `DEFAULT_GROUP@@${ECHO}:g2:DEFAULT`, ip: '127.0.0.1', port: 41123, clusterName: 'default-cluster', weight: 1.0, healthy: true,
  instanceId: '127.0.0.1#41123',
  metadata: {
    language: 'java', weight: '100', pid: '3645', uniqueId: 'g2', timeout: '0', rpcVer: '51302', startTime: '1796534795258', delay: '-1',
    interface: ECHO, appName: 'sofarpc-fleet-provider', serialization: 'hessian2', accepts: '100000', protocol: 'bolt', id: 'rpc-cfg-1', dynamic: 'true',
  },
  marked: true, enabled: true, serviceName: `DEFAULT_GROUP@@${ECHO}:g2:DEFAULT`, ephemeral: true,
};
const JAVA_KEYS = Object.keys(JAVA_G2_HOST.metadata).sort();

const bolt = (group?: string, weight = 100, params: Record<string, string> = {}): Registration => ({
  service: { interface: ECHO, version: '1.0', ...(group === undefined ? {} : { group }) },
  endpoint: endpoint('bolt', '10.0.0.7', 12200, params, weight),
  methods: ['echo'],
  application: 'meshlet-app',
});

test('SOFA service names: {interface}[:{uniqueId}]:DEFAULT for Bolt and TR, :{protocol} otherwise, no version', () => {
  assert.equal(sofaServiceName({ interface: ECHO, version: '1.0' }, 'bolt'), `${ECHO}:DEFAULT`);
  assert.equal(sofaServiceName({ interface: ECHO, version: '2.0', group: 'g2' }, 'bolt'), `${ECHO}:g2:DEFAULT`);
  assert.equal(sofaServiceName({ interface: ECHO, group: '' }, 'tr'), `${ECHO}:DEFAULT`);
  assert.equal(sofaServiceName({ interface: ECHO }, 'h2c'), `${ECHO}:h2c`);
  for (const bad of ['', 'a@@b', 'a b', 'a/b', 'a&b']) {
    assert.throws(() => sofaServiceName({ interface: bad }, 'bolt'), invalid, bad);
    assert.throws(() => sofaServiceName({ interface: ECHO, group: bad === '' ? 'x y' : bad }, 'bolt'), invalid, bad);
  }
});

test('SOFA place: namespace sofa-rpc unless the registry names one, DEFAULT_GROUP and default-cluster always', () => {
  assert.deepEqual(sofaNaming.place(nacosSettings('nacos://h')), { namespace: SOFA_NAMESPACE, group: 'DEFAULT_GROUP', cluster: SOFA_CLUSTER, readClusters: SOFA_CLUSTER });
  assert.deepEqual(sofaNaming.place(nacosSettings('nacos://h?namespace=prod&group=RPC&cluster=C1')), { namespace: 'prod', group: 'DEFAULT_GROUP', cluster: SOFA_CLUSTER, readClusters: SOFA_CLUSTER });
  // Dubbo's naming keeps the registry's own namespace, group and cluster, and reads every cluster.
  assert.deepEqual(dubboNaming.place(nacosSettings('nacos://h?namespace=prod&group=RPC&cluster=C1')), { namespace: 'prod', group: 'RPC', cluster: 'C1', readClusters: undefined });
});

test('namingFor: Bolt is SOFARPC\'s; Dubbo, Triple, unknown and no protocol are Dubbo\'s (Motan has no Nacos naming)', () => {
  assert.equal(namingFor('bolt').name, 'sofa');
  for (const p of ['dubbo', 'tri', 'motan2', 'rsocket', undefined, '__proto__', 'toString']) assert.equal(namingFor(p).name, 'dubbo', String(p));
});

test('the instance Meshlet writes has exactly the metadata keys a Java SOFARPC provider writes', () => {
  const inst = sofaInstance(bolt('g2', 50));
  assert.deepEqual([inst.ip, inst.port, inst.weight], ['10.0.0.7', 12200, 1], 'Nacos weight 1.0, as SOFARPC leaves it');
  assert.deepEqual(Object.keys(inst.metadata).sort(), JAVA_KEYS);
  const m = inst.metadata;
  assert.deepEqual(
    { uniqueId: m.uniqueId, interface: m.interface, timeout: m.timeout, delay: m.delay, dynamic: m.dynamic, weight: m.weight, accepts: m.accepts, appName: m.appName, serialization: m.serialization, protocol: m.protocol, language: m.language, rpcVer: m.rpcVer },
    { uniqueId: 'g2', interface: ECHO, timeout: '0', delay: '-1', dynamic: 'true', weight: '50', accepts: '100000', appName: 'meshlet-app', serialization: 'hessian2', protocol: 'bolt', language: 'nodejs', rpcVer: '50400' },
  );
  assert.equal(m.pid, String(process.pid));
  assert.match(m.startTime as string, /^\d{13}$/);
  assert.equal(sofaInstance(bolt()).metadata.uniqueId, '', 'no uniqueId is written as empty, as Java does');
  // Endpoint params travel (serialization, timeout, extras) but never override the naming's own keys.
  const p = sofaInstance(bolt(undefined, 100, { serialization: 'protobuf', timeout: '3000', protocol: 'x', zone: 'z1', application: 'other' })).metadata;
  assert.deepEqual([p.serialization, p.timeout, p.protocol, p.zone, p.appName, p.application], ['protobuf', '3000', 'bolt', 'z1', 'meshlet-app', undefined]);
  // The runtime's `application` endpoint param is SOFARPC's appName when the registration has none.
  const { application: _, ...noApp } = bolt(undefined, 100, { application: 'from-param' });
  assert.equal(sofaInstance(noApp).metadata.appName, 'from-param');
  assert.throws(() => sofaInstance(bolt(undefined, 100, { 'a b': '1' })), invalid);
  assert.throws(() => sofaInstance(bolt(undefined, 100, { k: 'x&y' })), invalid);
});

test('a Java SOFARPC provider\'s host reads as SOFARPC\'s consumer reads it', () => {
  const e = sofaEndpoint(JAVA_G2_HOST, { interface: ECHO, group: 'g2' }, 'bolt');
  assert.ok(e);
  assert.deepEqual([e.protocol, e.host, e.port, e.weight], ['bolt', '127.0.0.1', 41123, 100]);
  assert.equal(e.params.serialization, 'hessian2');
  assert.equal(e.params.uniqueId, 'g2');
  // matchProviderInfos: the uniqueId and the protocol must be the subscriber's.
  assert.equal(sofaEndpoint(JAVA_G2_HOST, { interface: ECHO }, 'bolt'), undefined);
  assert.equal(sofaEndpoint(JAVA_G2_HOST, { interface: ECHO, group: 'g2' }, 'tr'), undefined);
  assert.ok(sofaEndpoint(JAVA_G2_HOST, { interface: ECHO, group: 'g2' }, undefined));
  // No protocol in the metadata: Bolt, as SOFARPC's ProviderHelper defaults.
  const { protocol: _, ...noProtocol } = JAVA_G2_HOST.metadata;
  assert.equal(sofaEndpoint({ ...JAVA_G2_HOST, metadata: noProtocol }, { interface: ECHO, group: 'g2' }, 'bolt')?.protocol, 'bolt');
});

test('hosts skipped or weighted: disabled, unhealthy, weight 0, malformed; metadata weight × Nacos weight', () => {
  const want = { interface: ECHO, group: 'g2' };
  const h = (over: object, meta: object = {}) => sofaEndpoint({ ...JAVA_G2_HOST, ...over, metadata: { ...JAVA_G2_HOST.metadata, ...meta } }, want, 'bolt');
  assert.equal(h({ enabled: false }), undefined);
  assert.equal(h({ healthy: false }), undefined);
  assert.equal(h({ weight: 0 }), undefined);
  assert.equal(h({}, { weight: '0' }), undefined);
  assert.equal(h({ clusterName: 'DEFAULT' }), undefined, 'SOFARPC reads cluster default-cluster only');
  assert.ok(h({ clusterName: undefined }), 'a server that does not say the cluster');
  assert.equal(h({ weight: 2 })?.weight, 200);
  assert.equal(h({ weight: 0.5 }, { weight: '30' })?.weight, 15);
  assert.equal(h({}, { weight: 'x' })?.weight, 100);
  for (const bad of [{ ip: '' }, { ip: 7 }, { port: 0 }, { port: 70000 }, { port: '12200' }, { port: 1.5 }]) assert.equal(h(bad), undefined, JSON.stringify(bad));
  assert.equal(h({}, { protocol: 'b o' }), undefined);
  assert.equal(sofaEndpoint(null as never, want, 'bolt'), undefined);
  assert.equal(sofaEndpoint({ ...JAVA_G2_HOST, metadata: 'x' }, want, undefined)?.params.uniqueId, undefined, 'no metadata: no uniqueId, not g2');
});

test('property: what Meshlet writes reads back as the endpoint it registered; no listed host makes the reader throw', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,20}$/);
  fc.assert(
    fc.property(token, fc.option(token, { nil: undefined }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 65535 }), (iface, group, weight, port) => {
      const r: Registration = { service: { interface: iface, ...(group === undefined ? {} : { group }) }, endpoint: endpoint('bolt', '10.1.2.3', port, { serialization: 'protobuf' }, weight), methods: [] };
      const inst = sofaInstance(r);
      const name = sofaServiceName(r.service, 'bolt');
      assert.ok(name.startsWith(`${iface}:`) && name.endsWith(':DEFAULT'));
      const back = sofaEndpoint({ ip: inst.ip, port: inst.port, weight: inst.weight, healthy: true, enabled: true, metadata: inst.metadata }, r.service, 'bolt');
      assert.ok(back);
      assert.deepEqual([back.protocol, back.host, back.port, back.weight, back.params.serialization], ['bolt', '10.1.2.3', port, weight, 'protobuf']);
    }),
  );
  fc.assert(
    fc.property(fc.anything(), fc.anything(), (host, meta) => {
      const out = sofaEndpoint({ ...(typeof host === 'object' && host !== null ? host : {}), metadata: meta } as never, { interface: ECHO }, 'bolt');
      if (out !== undefined) assert.ok(out.port > 0 && out.port <= 65535 && out.weight > 0);
    }),
  );
});
