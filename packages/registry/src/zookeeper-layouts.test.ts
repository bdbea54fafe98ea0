// Layouts against the exact paths, names and data the Java and Node peers write and read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, endpoint, endpointAddress, RpcError, type Registration } from '@meshlet/core';
import {
  createRegistry,
  dubboLayout,
  dubboProviderUrl,
  javaUrlDecode,
  javaUrlEncode,
  motanExtInfo,
  motanLayout,
  parseDubboProvider,
  parseMotanProvider,
  parseServiceUrl,
  parseSofaProvider,
  parseZookeeperUrl,
  registrySchemes,
  sofaLayout,
  ZookeeperRegistry,
} from './index.js';

const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);

const reg = (protocol: string, extra: Partial<Registration> = {}): Registration => ({
  service: { interface: 'com.example.EchoService', version: '1.0' },
  endpoint: endpoint(protocol, '10.0.0.5', protocol === 'dubbo' ? 20880 : protocol === 'bolt' ? 12200 : 8002),
  methods: ['echo', 'add', 'echo'],
  application: 'meshlet-demo',
  ...extra,
});

describe('java.net.URLEncoder form encoding', () => {
  test('matches Java on the characters where encodeURIComponent differs', () => {
    // Java: URLEncoder.encode("a b!'()~*-_.é/:?=&", "UTF-8")
    assert.equal(javaUrlEncode("a b!'()~*-_.é/:?=&"), 'a+b%21%27%28%29%7E*-_.%C3%A9%2F%3A%3F%3D%26');
    assert.equal(javaUrlDecode('a+b%21%27%28%29%7E*-_.%C3%A9%2F%3A%3F%3D%26'), "a b!'()~*-_.é/:?=&");
    assert.equal(javaUrlDecode('%E0%A4%A'), undefined);
    // What sofa-rpc-node and dubbo2.js write (encodeURIComponent) decodes the same way.
    const url = 'bolt://1.2.3.4:12200?a=b&c=(d)';
    assert.equal(javaUrlDecode(encodeURIComponent(url)), url);
  });
});

describe('Dubbo layout (dubbo.md §3)', () => {
  test('provider URL: sorted params, sorted unique methods, no empty group/version, node name form-encoded', () => {
    const r = reg('dubbo');
    const url = dubboProviderUrl(r, 'meshlet-0.1.0');
    const [head, query = ''] = url.split('?');
    assert.equal(head, 'dubbo://10.0.0.5:20880/com.example.EchoService');
    const keys = query.split('&').map((p) => p.split('=')[0]);
    assert.deepEqual(keys, [...keys].sort());
    const params = Object.fromEntries(query.split('&').map((p) => p.split('=') as [string, string]));
    assert.equal(params.methods, 'add,echo');
    assert.equal(params.interface, 'com.example.EchoService');
    assert.equal(params.version, '1.0');
    assert.equal(params.side, 'provider');
    assert.equal(params.category, 'providers');
    assert.equal(params.application, 'meshlet-demo');
    assert.equal(params.dubbo, '2.0.2');
    assert.ok(!('group' in params), 'no group= when unset');
    assert.ok(!('method' in params), 'methods=, not method=');
    const noVersion = dubboProviderUrl(reg('dubbo', { service: { interface: 'com.example.EchoService' } }), 'x');
    assert.doesNotMatch(noVersion, /[?&](version|group)=/);

    const node = dubboLayout().providerNode(r);
    const [, root, iface, providers, name = ''] = node.path.split('/');
    assert.deepEqual([root, iface, providers], ['dubbo', 'com.example.EchoService', 'providers']);
    assert.match(name, /^dubbo%3A%2F%2F10\.0\.0\.5%3A20880%2Fcom\.example\.EchoService%3F/);
    assert.equal(javaUrlDecode(name)?.replace(/timestamp=\d+/, ''), url.replace(/timestamp=\d+/, ''));
    assert.equal(node.data, undefined);
  });

  test('reads a Java 2.7 provider URL (with its unescaped commas) and the Node peers\' shapes', () => {
    const java =
      'dubbo://192.168.0.102:20881/com.alibaba.cloud.dubbo.service.DubboMetadataService?anyhost=true&application=spring-cloud-alibaba-dubbo-provider&bind.ip=192.168.0.102&bind.port=20881&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&group=spring-cloud-alibaba-dubbo-provider&interface=com.alibaba.cloud.dubbo.service.DubboMetadataService&methods=getAllServiceKeys,getServiceRestMetadata,getExportedURLs,getAllExportedURLs&pid=17134&qos.enable=false&register=true&release=2.7.3&revision=1.0.0&side=provider&timestamp=1564826098503&version=1.0.0';
    const p = parseDubboProvider(java);
    assert.deepEqual(p?.service, { interface: 'com.alibaba.cloud.dubbo.service.DubboMetadataService', version: '1.0.0', group: 'spring-cloud-alibaba-dubbo-provider' });
    assert.equal(endpointAddress(p!.endpoint), 'dubbo://192.168.0.102:20881');
    assert.equal(p?.endpoint.params.methods, 'getAllServiceKeys,getServiceRestMetadata,getExportedURLs,getAllExportedURLs');
    // The layout reads it from the node name Java writes (URL.encode of the whole URL).
    const viaName = dubboLayout().parseProvider({ name: javaUrlEncode(java) }, '/dubbo/x/providers');
    assert.deepEqual(viaName?.service, p?.service);
    // apache-dubbo-service: group= empty and version=0.0.0 both mean "none".
    const node = parseDubboProvider('dubbo://127.0.0.1:20888/org.apache.dubbo.demo.DemoService?group=&version=0.0.0&method=sayHello&side=provider');
    assert.deepEqual(node?.service, { interface: 'org.apache.dubbo.demo.DemoService' });
    // Dubbo 2.x default.* spellings; weight.
    const old = parseDubboProvider('dubbo://h:1/I?default.version=2.0&default.group=g&weight=30');
    assert.deepEqual(old?.service, { interface: 'I', version: '2.0', group: 'g' });
    assert.equal(old?.endpoint.weight, 30);
    // Not providers, disabled, no port: skipped. Other protocols kept with their scheme.
    assert.equal(parseDubboProvider('dubbo://h:1/I?category=configurators'), undefined);
    assert.equal(parseDubboProvider('dubbo://h:1/I?enabled=false'), undefined);
    assert.equal(parseDubboProvider('dubbo://h/I'), undefined);
    assert.equal(parseDubboProvider('tri://h:50051/I?interface=I')?.endpoint.protocol, 'tri');
  });

  test('matching: exact interface, version and group, with Dubbo\'s one "none"', () => {
    const m = dubboLayout().matches;
    assert.ok(m({ interface: 'I', version: '1.0' }, { interface: 'I', version: '1.0' }));
    assert.ok(!m({ interface: 'I', version: '1.0' }, { interface: 'I' }));
    assert.ok(!m({ interface: 'I' }, { interface: 'I', version: '1.0' }));
    assert.ok(m({ interface: 'I', version: '0.0.0' }, { interface: 'I' }));
    assert.ok(!m({ interface: 'I', group: 'a' }, { interface: 'I', group: 'b' }));
    assert.ok(!m({ interface: 'I' }, { interface: 'J' }));
  });

  test('a toUrl/fromUrl pair from the app replaces the built-in URL', () => {
    const layout = dubboLayout({ toUrl: () => 'dubbo://1.2.3.4:5/I?x=1', fromUrl: (u) => ({ service: { interface: 'I' }, endpoint: endpoint('dubbo', 'h', 9, { raw: u }) }) });
    assert.equal(layout.providerNode(reg('dubbo')).path, `/dubbo/com.example.EchoService/providers/${javaUrlEncode('dubbo://1.2.3.4:5/I?x=1')}`);
    assert.equal(layout.parseProvider({ name: 'dubbo%3A%2F%2Fa%3A1' }, '/d')?.endpoint.params.raw, 'dubbo://a:1');
    assert.equal(dubboLayout({ root: 'dubbo-test' }).providersPath({ interface: 'I' }), '/dubbo-test/I/providers');
  });

  test('params that would break a Java URL are INVALID_ARGUMENT', () => {
    assert.throws(() => dubboProviderUrl(reg('dubbo', { endpoint: endpoint('dubbo', 'h', 1, { tag: 'a&b' }) }), 'x'), invalid);
    assert.throws(() => dubboProviderUrl(reg('dubbo', { application: 'my app' }), 'x'), invalid);
    assert.throws(() => dubboLayout({ root: 'a/b' }), invalid);
  });
});

describe('SOFA layout (bolt-sofa.md §2.2)', () => {
  // What sofa-rpc-node 2.10 writes (lib/server/server.js `url` + service.js normalizeReg +
  // registry/zk/data_client.js register): the query from querystring.stringify, then
  // interface/version/group set through URL.searchParams, the node name encodeURIComponent(url).
  const nodeUrl =
    'bolt://192.0.2.2:34993?startTime=1732212345678&pid=4242&uniqueId=&dynamic=true&appName=demo-server&timeout=3000&serialization=hessian2&weight=100&accepts=100000&language=nodejs&rpcVer=50400&protocol=&interface=com.example.EchoService&version=1.0&group=SOFA';
  const nodeName = encodeURIComponent(nodeUrl);
  // What Java SOFARPC writes (RegistryUtils.convertProviderToUrls; URLEncoder.encode for the name).
  const javaUrl =
    'bolt://192.0.2.3:12200/?version=1.0&uniqueId=blue&interface=com.example.EchoService&timeout=3000&delay=-1&id=rpc-cfg-0&dynamic=true&weight=100&accepts=100000&startTime=1732212345678&appName=java-app&serialization=hessian2&protocol=bolt&language=java&pid=4243&rpcVer=50800';

  test('reads sofa-rpc-node\'s and Java SOFARPC\'s provider nodes', () => {
    const layout = sofaLayout();
    assert.equal(layout.providersPath({ interface: 'com.example.EchoService', version: '1.0' }), '/sofa-rpc/com.example.EchoService/providers');
    const node = layout.parseProvider({ name: nodeName }, '/sofa-rpc/com.example.EchoService/providers');
    assert.deepEqual(node?.service, { interface: 'com.example.EchoService', version: '1.0' });
    assert.equal(endpointAddress(node!.endpoint), 'bolt://192.0.2.2:34993');
    assert.equal(node?.endpoint.params.group, 'SOFA');
    const java = layout.parseProvider({ name: javaUrlEncode(javaUrl) }, '/sofa-rpc/com.example.EchoService/providers');
    assert.deepEqual(java?.service, { interface: 'com.example.EchoService', version: '1.0', group: 'blue' });
    assert.equal(endpointAddress(java!.endpoint), 'bolt://192.0.2.3:12200');
    assert.ok(layout.matches({ interface: 'com.example.EchoService', version: '1.0', group: 'blue' }, java!.service));
    assert.ok(!layout.matches({ interface: 'com.example.EchoService', version: '1.0' }, java!.service), 'uniqueId is the group');
    assert.equal(parseSofaProvider(`${nodeUrl}&enabled=false`), undefined);
    assert.equal(parseSofaProvider(`${nodeUrl}&category=consumers`), undefined);
  });

  test('writes a node both read: path, name, and the fields sofa-rpc-node\'s consumer matches on', () => {
    const r = reg('bolt', { service: { interface: 'com.example.EchoService', version: '1.0', group: 'blue' } });
    const node = sofaLayout().providerNode(r);
    const prefix = '/sofa-rpc/com.example.EchoService/providers/';
    assert.ok(node.path.startsWith(prefix));
    assert.equal(node.data, undefined);
    const url = decodeURIComponent(node.path.slice(prefix.length)); // sofa-rpc-node's urlencode.decode
    assert.match(url, /^bolt:\/\/10\.0\.0\.5:12200\?version=1\.0&uniqueId=blue&interface=com\.example\.EchoService&/);
    // sofa-rpc-node's consumer (_isMatch) reads these through WHATWG URL.
    const u = new URL(url);
    assert.equal(u.searchParams.get('interface'), 'com.example.EchoService');
    assert.equal(u.searchParams.get('version'), '1.0');
    assert.equal(u.searchParams.get('group'), null, 'no SOFA group: a Node consumer with group SOFA still matches');
    assert.equal(u.searchParams.get('protocol'), 'bolt');
    assert.equal(u.searchParams.get('serialization'), 'hessian2');
    assert.equal(u.hostname, '10.0.0.5');
    assert.equal(u.port, '12200');
    assert.deepEqual(parseSofaProvider(url)?.service, r.service);
    const noGroup = decodeURIComponent(sofaLayout().providerNode(reg('bolt')).path.slice(prefix.length));
    assert.match(noGroup, /[?&]uniqueId=&/);
  });
});

describe('Motan layout (motan.md §3.5)', () => {
  test('path /motan/{group}/{service}/server/{ip:port} and ext-info data with sorted params', () => {
    const layout = motanLayout();
    const r = reg('motan2', { service: { interface: 'com.weibo.Hello', version: '1.0', group: 'g1' }, endpoint: endpoint('motan2', '10.0.0.5', 8002, { serialization: 'simple' }) });
    const node = layout.providerNode(r);
    assert.equal(node.path, '/motan/g1/com.weibo.Hello/server/10.0.0.5:8002');
    assert.equal(node.data?.toString(), 'motan2://10.0.0.5:8002/com.weibo.Hello?group=g1&application=meshlet-demo&nodeType=service&serialization=simple&version=1.0');
    assert.equal(motanExtInfo(reg('motan2', { service: { interface: 'S' } }), 'default_rpc'), 'motan2://10.0.0.5:8002/S?group=default_rpc&application=meshlet-demo&nodeType=service');
    assert.equal(layout.providersPath({ interface: 'S' }), '/motan/default_rpc/S/server');
  });

  test('reads motan-go, Java (trailing &, Java-serialized String) and data-less nodes', () => {
    const dir = '/motan/g1/com.weibo.Hello/server';
    const go = parseMotanProvider({ name: '10.0.0.7:8100', data: Buffer.from('motan2://10.0.0.7:8100/com.weibo.Hello?group=g1&nodeType=service&serialization=simple&version=1.0') }, dir);
    assert.deepEqual(go?.service, { interface: 'com.weibo.Hello', group: 'g1', version: '1.0' });
    assert.equal(endpointAddress(go!.endpoint), 'motan2://10.0.0.7:8100');
    const javaText = 'motan2://10.0.0.8:8001/com.weibo.Hello?nodeType=service&version=1.0&group=g1&';
    const serialized = Buffer.concat([Buffer.from([0xac, 0xed, 0x00, 0x05, 0x74]), Buffer.from([0, javaText.length]), Buffer.from(javaText)]);
    assert.equal(endpointAddress(parseMotanProvider({ name: '10.0.0.8:8001', data: serialized }, dir)!.endpoint), 'motan2://10.0.0.8:8001');
    assert.equal(endpointAddress(parseMotanProvider({ name: '10.0.0.9:8002', data: Buffer.alloc(0) }, dir)!.endpoint), 'motan2://10.0.0.9:8002');
    assert.equal(parseMotanProvider({ name: 'x', data: Buffer.from('motan2://h:1/Other?group=g1') }, dir), undefined);
    assert.equal(parseMotanProvider({ name: 'x', data: Buffer.from('motan2://h:1/com.weibo.Hello?nodeType=referer') }, dir), undefined);
    const m = motanLayout().matches;
    assert.ok(m({ interface: 'S' }, { interface: 'S', group: 'default_rpc', version: '1.0' }), 'default group and version 1.0');
    assert.ok(!m({ interface: 'S', version: '2.0' }, { interface: 'S', group: 'default_rpc' }));
  });
});

describe('provider URLs and ZooKeeper registry URLs', () => {
  test('parseServiceUrl: IPv6 with and without brackets, decoded values, null-prototype params', () => {
    assert.deepEqual({ ...parseServiceUrl('dubbo://[::1]:20880/I?a=%20b&c')!, params: undefined }, { protocol: 'dubbo', host: '::1', port: 20880, path: 'I', params: undefined });
    assert.equal(parseServiceUrl('motan2://::1:8002/S?group=g')?.host, '::1');
    const p = parseServiceUrl('dubbo://h:1/I?__proto__=x&constructor=y&a=%zz')!.params;
    assert.equal(Object.getPrototypeOf(p), null);
    assert.equal(p.__proto__, 'x');
    assert.equal(p.a, '%zz');
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(parseServiceUrl('nonsense'), undefined);
    assert.equal(parseServiceUrl('dubbo://h:99999/I'), undefined);
  });

  test('zookeeper:// URLs: hosts, chroot, digest, options, layouts; errors keep secrets out', () => {
    const o = parseZookeeperUrl('zookeeper://admin:s%40cret@z1:2181,z2,[::1]:2182/prod/x?session=15000&timeout=2000&refresh=30000&layouts=dubbo,bolt');
    assert.equal(o.servers, 'z1:2181,z2:2181,[::1]:2182');
    assert.equal(o.chroot, '/prod/x');
    assert.equal(o.digest, 'admin:s@cret');
    assert.equal(o.sessionTimeoutMs, 15000);
    assert.equal(o.timeoutMs, 2000);
    assert.equal(o.refreshMs, 30000);
    assert.deepEqual(Object.keys(o.layouts ?? {}), ['dubbo', 'bolt']);
    const r = createRegistry('zookeeper://127.0.0.1:1/prod');
    assert.ok(r instanceof ZookeeperRegistry);
    assert.equal(r.settings.chroot, '/prod');
    assert.deepEqual([...r.settings.layouts.keys()], ['dubbo', 'tri', 'bolt', 'motan2']);
    assert.equal(r.settings.sessionTimeoutMs, 30_000);
    assert.ok(registrySchemes().includes('zookeeper'));
    for (const bad of ['zookeeper://:pw@h?session=0', 'zookeeper://:pw@h?layouts=grpc', 'zookeeper://:pw@h?x=1', 'zookeeper://:pw@', 'zookeeper://:pw@h:0']) {
      assert.throws(() => createRegistry(bad), (e) => invalid(e) && !(e as Error).message.includes('pw'), bad);
    }
    return r.close();
  });

  test('registering a protocol without a layout is INVALID_ARGUMENT', async () => {
    const r = new ZookeeperRegistry({ servers: '127.0.0.1:1', timeoutMs: 100 });
    await assert.rejects(r.register(reg('rsocket')), (e) => invalid(e) && /no layout for protocol "rsocket"/.test((e as Error).message));
    await r.close();
  });
});
