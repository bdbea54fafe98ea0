// Dubbo 3 application-level metadata against values captured from a real Java Dubbo 3.3.6 provider
// (test/fleet/java/dubbo3 AppProvider: EchoService 1.0, register-mode=instance): the revision it
// published in /services/{app}/{ip}:{port} and the MetadataInfo its MetadataService answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint } from '../endpoint.js';
import type { Registration } from '../registry.js';
import { dubboMetadataInfo, EMPTY_REVISION, metadataRevision, serviceInfoOf, serviceMatchKey, type DubboServiceInfo } from './metadata-info.js';
import { metadataServiceImpl } from './metadata-service.js';

const ECHO = 'com.meshlet.conformance.EchoService';
const METHODS = 'addInt,addLong,echo,echoUser,fail,mulDouble,negate,nullable,reverseBytes,reverseList,sleep,swapMap';

/** getMetadataInfo's answer from Java (port 38045), decoded from the captured frame. */
const JAVA_SERVICE: DubboServiceInfo = {
  name: ECHO, group: null, version: '1.0', protocol: 'dubbo', port: 38045, path: ECHO,
  params: {
    side: 'provider', release: '3.3.6', methods: METHODS, deprecated: 'false', dubbo: '2.0.2', interface: ECHO,
    'service-name-mapping': 'true', version: '1.0', generic: 'false', revision: '1.0', serialization: 'hessian2',
    'metadata-type': 'local', application: 'dubbo3-app-provider', 'prefer.serialization': 'hessian2', dynamic: 'true',
    REGISTRY_CLUSTER: 'default',
  },
};

test("the revision is Java's: MD5 over app, match key, port, path and the sorted params", () => {
  const services = { [serviceMatchKey(JAVA_SERVICE)]: JAVA_SERVICE };
  assert.equal(serviceMatchKey(JAVA_SERVICE), 'com.meshlet.conformance.EchoService:1.0:dubbo');
  assert.equal(metadataRevision('dubbo3-app-provider', services), '657afec7b89b2998345b10cf5f512bbf');
  // Every input counts: another port, app or param value is another revision.
  assert.notEqual(metadataRevision('dubbo3-app-provider', { x: { ...JAVA_SERVICE, port: 38046 } }), '657afec7b89b2998345b10cf5f512bbf');
  assert.notEqual(metadataRevision('other', services), '657afec7b89b2998345b10cf5f512bbf');
  assert.equal(metadataRevision('app', {}), EMPTY_REVISION);
});

test('match keys carry group and version only when set', () => {
  assert.equal(serviceMatchKey({ name: 'a.B', group: 'g2', version: '2.0', protocol: 'dubbo' }), 'g2/a.B:2.0:dubbo');
  assert.equal(serviceMatchKey({ name: 'a.B', group: null, version: null, protocol: 'dubbo' }), 'a.B:dubbo');
});

const reg = (iface: string, port: number, extra: Partial<Registration['service']> = {}, params: Record<string, string> = {}): Registration => ({
  service: { interface: iface, version: '1.0', ...extra },
  endpoint: endpoint('dubbo', '10.0.0.1', port, { application: 'm', pid: '42', timestamp: '1', ...params }),
  methods: ['echo', 'add', 'echo'],
  application: 'm',
});

test("a Meshlet registration's ServiceInfo: Java's keys, no per-process values, stable revision", () => {
  const info = serviceInfoOf(reg(ECHO, 20880, { group: 'g' }, { weight: '50' }), 'm');
  assert.deepEqual(Object.keys(info.params).sort(), [
    'application', 'deprecated', 'dubbo', 'dynamic', 'generic', 'group', 'interface', 'methods', 'prefer.serialization',
    'release', 'serialization', 'side', 'version', 'weight',
  ]);
  assert.equal(info.params.methods, 'add,echo');
  assert.equal(info.group, 'g');
  assert.equal(info.port, 20880);
  const a = dubboMetadataInfo('m', [reg(ECHO, 1), reg('a.Other', 1)]);
  const b = dubboMetadataInfo('m', [reg('a.Other', 1, {}, { pid: '43', timestamp: '2' }), reg(ECHO, 1)]);
  assert.equal(a.revision, b.revision, 'order and per-process params do not change it');
  assert.match(a.revision, /^[0-9a-f]{32}$/);
  assert.deepEqual(Object.keys(a.services).sort(), ['a.Other:1.0:dubbo', `${ECHO}:1.0:dubbo`]);
});

test('getMetadataInfo answers the revision it publishes, one instance per host (its dubbo and tri services together), and null for any other', () => {
  const tri = { ...reg('a.Other', 2), endpoint: endpoint('tri', '10.0.0.1', 2) };
  const elsewhere = { ...reg('a.Far', 3), endpoint: endpoint('dubbo', '10.9.9.9', 3) };
  const regs = [reg(ECHO, 1), tri, elsewhere];
  const impl = metadataServiceImpl(() => [], () => regs, 'm');
  const both = dubboMetadataInfo('m', [regs[0]!, tri]);
  assert.deepEqual(impl.getMetadataInfo(both.revision), both);
  assert.deepEqual(Object.keys(both.services).sort(), ['a.Other:1.0:tri', `${ECHO}:1.0:dubbo`]);
  assert.equal(both.services['a.Other:1.0:tri']?.port, 2);
  assert.equal(impl.getMetadataInfo(dubboMetadataInfo('m', [regs[0]!]).revision), null, 'the dubbo services alone are no instance');
  assert.equal(impl.getMetadataInfo(dubboMetadataInfo('m', [elsewhere]).revision)?.services['a.Far:1.0:dubbo']?.port, 3);
  assert.equal(impl.getMetadataInfo('0123'), null);
  assert.equal(impl.getMetadataInfo(null), null);
  assert.equal(metadataServiceImpl(() => [], () => regs).getMetadataInfo(both.revision), null, 'no application, no instance');
});
