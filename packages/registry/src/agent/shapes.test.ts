// The agents' JSON bodies against the reference (bolt-sofa.md §3.2, motan.md §3.3), byte for byte
// where the reference gives bytes, and the parsers against hostile input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, endpoint, RpcError, type Registration } from '@meshlet/core';
import { jsonUrlText, jsonUrlToRegistration, parseJsonUrl, registrationToJsonUrl, MOTAN_DEFAULT_GROUP } from './json-url.js';
import {
  mosnApplicationRequest, mosnProtocol, mosnPublishRequest, mosnServiceName, mosnSubscribeRequest, mosnUnpublishRequest, parseMosnServiceName,
} from './mosn-shapes.js';
import { sortedJson } from './sorted-json.js';
import { parseAgentTarget } from './target.js';

const echo: Registration = {
  service: { interface: 'com.example.EchoService', version: '1.0' },
  endpoint: endpoint('bolt', '127.0.0.1', 12200),
  methods: ['echo'],
  application: 'demo-server',
};

describe('MOSN bodies (SOFARPC mesh registry)', () => {
  test('publish, subscribe, application, unpublish: the reference JSON, byte for byte', () => {
    assert.equal(sortedJson(mosnApplicationRequest('demo-server')), '{"appName":"demo-server"}');
    assert.equal(sortedJson(mosnPublishRequest(echo, { payload: 'java', protocolType: 'bolt', serializeType: 'hessian2' })),
      '{"onlyPublishInCloud":false,"protocolType":"bolt","providerMetaInfo":{"appName":"demo-server","properties":{},"protocol":"bolt","serializeType":"hessian2","version":"4.0"},"serviceName":"com.example.EchoService:1.0"}');
    assert.equal(sortedJson(mosnSubscribeRequest(echo.service, 'bolt', 'java')),
      '{"localCloudFirst":false,"protocolType":"bolt","serviceName":"com.example.EchoService:1.0","vipEnforce":false,"vipOnly":false}');
    assert.equal(sortedJson(mosnUnpublishRequest(echo.service, 'bolt')), '{"protocolType":"bolt","serviceName":"com.example.EchoService:1.0"}');
  });

  test('the anthunder variant carries the port', () => {
    const body = mosnPublishRequest({ ...echo, endpoint: endpoint('bolt', '127.0.0.1', 12199) }, { payload: 'anthunder', protocolType: 'bolt', serializeType: 'protobuf' });
    assert.deepEqual(JSON.parse(sortedJson(body)), {
      serviceName: 'com.example.EchoService:1.0',
      providerMetaInfo: { appName: 'demo-server', protocol: '1', version: '4.0', serializeType: 'protobuf' },
      port: '12199', protocolType: 'DEFAULT', onlyPublishInCloud: false,
    });
    assert.deepEqual(mosnSubscribeRequest(echo.service, 'bolt', 'anthunder'), { serviceName: 'com.example.EchoService:1.0' });
  });

  test('service names: version 1.0 by default, the group as uniqueId', () => {
    assert.equal(mosnServiceName({ interface: 'a.B' }), 'a.B:1.0');
    assert.equal(mosnServiceName({ interface: 'a.B', version: '2.0', group: 'blue' }), 'a.B:2.0:blue');
    assert.deepEqual(parseMosnServiceName('a.B:2.0:blue'), { interface: 'a.B', version: '2.0', group: 'blue' });
    assert.deepEqual(parseMosnServiceName('a.B'), { interface: 'a.B', version: '1.0', group: undefined });
    assert.equal(parseMosnServiceName(':1.0'), undefined);
    assert.equal(mosnProtocol('DEFAULT', '1'), 'bolt');
    assert.equal(mosnProtocol('dubbo', undefined), 'dubbo');
    assert.equal(mosnProtocol(42, 'xfire'), undefined);
  });
});

describe('JSON URLs (motan-go agent API)', () => {
  test('a Motan registration as the reference shows it, default group filled in', () => {
    const r: Registration = { service: { interface: 'com.example.NodeService', group: 'node-group' }, endpoint: endpoint('motan2', '127.0.0.1', 9100), methods: [] };
    assert.equal(jsonUrlText(registrationToJsonUrl(r, { parameters: { proxyRegistry: 'zookeeper://10.0.0.1:2181', serialization: 'simple' } })),
      '{"protocol":"motan2","host":"127.0.0.1","port":9100,"path":"com.example.NodeService","group":"node-group","parameters":{"proxyRegistry":"zookeeper://10.0.0.1:2181","serialization":"simple"}}');
    const noGroup = registrationToJsonUrl({ ...r, service: { interface: 'x.Y' } }, { defaultGroup: MOTAN_DEFAULT_GROUP });
    assert.equal(noGroup.group, 'default_rpc');
  });

  test('parsed back into the registration it describes', () => {
    const u = parseJsonUrl(JSON.parse(jsonUrlText(registrationToJsonUrl({ ...echo, endpoint: endpoint('dubbo', '10.1.1.1', 20880, { tag: 'gray' }, 50) }))));
    const r = jsonUrlToRegistration(u, '127.0.0.1');
    assert.deepEqual(r.service, { interface: 'com.example.EchoService', version: '1.0', group: undefined });
    assert.equal(r.endpoint.host, '10.1.1.1');
    assert.equal(r.endpoint.weight, 50);
    assert.deepEqual({ ...r.endpoint.params }, { tag: 'gray' });
    assert.deepEqual(r.methods, ['echo']);
    assert.equal(r.application, 'demo-server');
    // No host: the caller's address.
    assert.equal(jsonUrlToRegistration(parseJsonUrl({ protocol: 'motan2', path: 'a.B', port: 9100 }), '127.0.0.9').endpoint.host, '127.0.0.9');
  });

  test('hostile bodies: typed INVALID_ARGUMENT, no prototype pollution', () => {
    for (const bad of [null, [], 'x', { path: 'a' }, { protocol: 'dubbo' }, { protocol: 1, path: 'a' }, { protocol: 'dubbo', path: 'a', port: 70000 }, { protocol: 'dubbo', path: 'a', parameters: [] }]) {
      assert.throws(() => parseJsonUrl(bad), (err: unknown) => RpcError.is(err, Code.InvalidArgument), JSON.stringify(bad));
    }
    const u = parseJsonUrl(JSON.parse('{"protocol":"dubbo","path":"a.B","port":1,"parameters":{"__proto__":"x","constructor":"y"}}'));
    const r = jsonUrlToRegistration(u, '127.0.0.1');
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(r.endpoint.params.constructor, 'y');
    assert.throws(() => jsonUrlToRegistration(parseJsonUrl({ protocol: 'dubbo', path: 'a' }), 'h'), /port/);
  });
});

describe('agent URLs', () => {
  test('defaults per kind', () => {
    const m = parseAgentTarget('mosn://127.0.0.1');
    assert.deepEqual([m.port, m.httpPort, m.ports, m.probeProtocol], [12220, 13330, { bolt: 12220 }, 'bolt']);
    const g = parseAgentTarget('motan-agent://127.0.0.1:9981?proxyRegistry=zk://1.2.3.4:2181');
    assert.deepEqual([g.port, g.httpPort, g.ports, g.params.proxyRegistry], [9981, 8002, { motan2: 9981 }, 'zk://1.2.3.4:2181']);
    const s = parseAgentTarget('meshlet://127.0.0.1:7000?http=7001&health=500');
    assert.deepEqual([s.ports, s.httpPort, s.healthIntervalMs], [{ dubbo: 7000, bolt: 7000, motan2: 7000, tri: 7000 }, 7001, 500]);
    assert.equal(parseAgentTarget('meshlet://127.0.0.1:7000').httpPort, 7000, 'the API on the same port');
    assert.deepEqual(parseAgentTarget('mosn://h:1?dubbo=2').ports, { bolt: 1, dubbo: 2 });
  });

  test('bad URLs name the problem', () => {
    assert.throws(() => parseAgentTarget('envoy://h:1'), /unknown agent kind "envoy"/);
    assert.throws(() => parseAgentTarget('meshlet://h:1?http=x'), /http must be a port/);
    assert.throws(() => parseAgentTarget('meshlet://u:p@h:1'), /no credentials/);
    assert.throws(() => parseAgentTarget('not a url'), /invalid agent URL/);
    assert.throws(() => parseAgentTarget('mosn://h:1?probe=motan2'), /probe protocol/);
  });
});
