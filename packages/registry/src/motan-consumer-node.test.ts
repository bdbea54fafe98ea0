// A Meshlet Motan2 subscriber lists itself as Java motan's referer does (captured from motan 1.2.6
// in packages/transport-motan/src/fixtures/java-motan-captured.json): /motan/{group}/{service}/client/{ip}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advertiseHost } from '@meshlet/core/runtime';
import { motanLayout } from './zookeeper/motan-layout.js';

test('motan client node: /motan/{group}/{service}/client/{ip}, data motan2://ip:0/service?group=…&nodeType=referer', () => {
  const layout = motanLayout();
  assert.ok(layout.consumerNode, 'the Motan layout lists referers');
  const host = advertiseHost('0.0.0.0');
  const node = layout.consumerNode({ interface: 'com.meshlet.conformance.EchoService', group: 'conformance', version: '1.0' }, { protocol: 'motan2', application: 'app' });
  assert.equal(node.path, `/motan/conformance/com.meshlet.conformance.EchoService/client/${host}`);
  assert.equal(node.data?.toString(), `motan2://${host}:0/com.meshlet.conformance.EchoService?group=conformance&application=app&nodeType=referer&protocol=motan2&version=1.0`);
  const bare = layout.consumerNode({ interface: 'S' }, { protocol: 'motan2' });
  assert.equal(bare.path, `/motan/default_rpc/S/client/${host}`);
});
