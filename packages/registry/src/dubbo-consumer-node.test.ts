import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dubboLayout } from './zookeeper/dubbo-layout.js';
import { javaUrlDecode } from './zookeeper/java-url.js';

// What Java Dubbo 2.7.23 / 3.3.6 consumers write (seen in the fleet suite, test/fleet/dubbo/suite.js):
// /dubbo/{interface}/consumers/{URL.encode("consumer://{ip}/{interface}?application=…&category=consumers&…&side=consumer&…")}.
test('the Dubbo layout lists a subscriber where dubbo-admin reads consumers', () => {
  const layout = dubboLayout();
  assert.ok(layout.consumerNode, 'the Dubbo layout lists consumers');
  const node = layout.consumerNode({ interface: 'com.meshlet.conformance.EchoService', version: '1.0' },
    { protocol: 'dubbo', application: 'orders', methods: ['echo', 'addInt', 'echo'] });
  const prefix = '/dubbo/com.meshlet.conformance.EchoService/consumers/';
  assert.ok(node.path.startsWith(prefix), node.path);
  const url = new URL(javaUrlDecode(node.path.slice(prefix.length))!);
  assert.equal(url.protocol, 'consumer:');
  assert.equal(url.pathname, '/com.meshlet.conformance.EchoService');
  const params = Object.fromEntries(url.searchParams);
  assert.equal(params.category, 'consumers');
  assert.equal(params.side, 'consumer');
  assert.equal(params.interface, 'com.meshlet.conformance.EchoService');
  assert.equal(params.application, 'orders');
  assert.equal(params.methods, 'addInt,echo');
  assert.equal(params.version, '1.0');
  assert.equal(params.group, undefined, 'no group key when there is none');
  const keys = [...url.searchParams.keys()];
  assert.deepEqual(keys, [...keys].sort(), 'sorted as Java writes them');
  assert.equal(node.data, undefined);
});
