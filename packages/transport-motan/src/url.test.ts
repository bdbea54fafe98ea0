import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint } from '@meshlet/core';
import { motan2 } from './protocol.js';

test('toUrl: motan2://host:port/<interface>?group=… first, then sorted parameters, as motan-go writes ext info', () => {
  const p = motan2({ serialization: 'breeze' });
  const url = p.toUrl({
    service: { interface: 'com.meshlet.conformance.EchoService', version: '1.0', group: 'conformance' },
    endpoint: endpoint('motan2', '10.0.0.5', 8002),
    methods: ['echo'],
    application: 'app',
  });
  assert.equal(url, 'motan2://10.0.0.5:8002/com.meshlet.conformance.EchoService?group=conformance&application=app&nodeType=service&serialization=breeze&version=1.0');
  const back = p.fromUrl(url)!;
  assert.deepEqual(back.service, { interface: 'com.meshlet.conformance.EchoService', version: '1.0', group: 'conformance' });
  assert.deepEqual([back.endpoint.protocol, back.endpoint.host, back.endpoint.port, back.endpoint.params.serialization], ['motan2', '10.0.0.5', 8002, 'breeze']);
});

test('no group is Motan\'s default_rpc both ways; IPv6; other protocols and broken URLs are not ours', () => {
  const p = motan2();
  const url = p.toUrl({ service: { interface: 'a.B' }, endpoint: endpoint('motan2', '::1', 9000, {}, 50), methods: [] });
  assert.equal(url, 'motan2://[::1]:9000/a.B?group=default_rpc&nodeType=service&serialization=simple&weight=50');
  const back = p.fromUrl(url)!;
  assert.deepEqual(back.service, { interface: 'a.B', version: undefined, group: undefined });
  assert.deepEqual([back.endpoint.host, back.endpoint.weight], ['::1', 50]);
  for (const other of ['dubbo://1.2.3.4:20880/a.B', 'motan2://1.2.3.4/a.B', 'motan2://1.2.3.4:80/', 'not a url']) assert.equal(p.fromUrl(other), undefined, other);
  assert.equal(p.name, 'motan2');
  assert.equal(p.defaultPort, 8002);
  assert.throws(() => motan2({ serialization: 'hessian2' as never }), /unknown serialization "hessian2"/);
});

test('fuzz finding: a malformed percent-escape in the path is an unreadable URL (undefined), not a URIError', () => {
  assert.equal(motan2().fromUrl('motan2://10.0.0.3:8002/com.meshlet%zDEcho?group=g'), undefined);
  assert.equal(motan2().fromUrl('motan2://10.0.0.3:8002/%E0%A4%A'), undefined);
  assert.equal(motan2().fromUrl('motan2://10.0.0.3:8002/com.meshlet%2EEcho')!.service.interface, 'com.meshlet.Echo');
});
