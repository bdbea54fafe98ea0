import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';
import { FrameServer } from '../engine/server.js';
import { advertiseHost, advertisePort, bindHost, bindHostFromEnv, registryHostFromEnv } from './advertise.js';
import { defaultRouteInterfaces, pickLocalAddress } from './local-address.js';

const v4 = (address: string, internal = false) => ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;
const v6 = (address: string) => ({ address, family: 'IPv6', internal: false, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

test('the local address skips loopback, link-local and container bridges; prefers the default route and IPv4', () => {
  const host = { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], eth0: [v6('fe80::1'), v4('169.254.3.4'), v6('2001:db8::5'), v4('10.1.2.3')] };
  assert.equal(pickLocalAddress(host), '10.1.2.3', 'docker0 comes first in the list but is a bridge');
  assert.equal(pickLocalAddress({ lo: host.lo, docker0: host.docker0 }), '172.17.0.1', 'a bridge is better than nothing');
  assert.equal(pickLocalAddress({ lo: host.lo, eth0: [v4('169.254.3.4'), v6('fe80::1')] }), undefined, 'link-local only: none');
  assert.equal(pickLocalAddress({ eth0: [v6('2001:db8::5')] }), '2001:db8::5', 'IPv6 when it is all there is');
  const two = { eth0: [v4('10.1.2.3')], eth1: [v4('192.168.9.9')] };
  assert.equal(pickLocalAddress(two), '10.1.2.3', 'the first listed wins a tie');
  assert.equal(pickLocalAddress(two, { defaultRoute: ['eth1'] }), '192.168.9.9', 'the interface with the default route wins');
  assert.equal(pickLocalAddress(two, { defaultRoute: ['eth1'], preferred: ['eth0'] }), '10.1.2.3', 'the deployer\'s preference wins over routing');
  assert.equal(pickLocalAddress(two, { ignored: ['eth0'] }), '192.168.9.9');
  assert.equal(pickLocalAddress(two, { ignored: ['/^eth/'] }), undefined, '/regex/ patterns');
});

test('the default route is read from the kernel table format', () => {
  const table = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  ].join('\n');
  assert.deepEqual(defaultRouteInterfaces(table), ['eth0']);
  assert.deepEqual(defaultRouteInterfaces('Iface\tDestination\n'), []);
});

test('the registry address: MESHLET_IP_TO_REGISTRY, then DUBBO_IP_TO_REGISTRY, then MESHLET_HOST; a specific bind is itself reachable', () => {
  assert.equal(registryHostFromEnv({ MESHLET_IP_TO_REGISTRY: '10.0.0.1', DUBBO_IP_TO_REGISTRY: '10.0.0.2', MESHLET_HOST: '10.0.0.3' }), '10.0.0.1');
  assert.equal(registryHostFromEnv({ DUBBO_IP_TO_REGISTRY: '10.0.0.2', MESHLET_HOST: '10.0.0.3' }), '10.0.0.2');
  assert.equal(registryHostFromEnv({ MESHLET_HOST: '10.0.0.3' }), '10.0.0.3');
  assert.equal(registryHostFromEnv({ MESHLET_IP_TO_REGISTRY: ' ' }), undefined);
  assert.equal(advertiseHost('::', 'pub.example'), 'pub.example');
  assert.equal(advertiseHost('10.9.9.9', undefined), '10.9.9.9');
  const any = advertiseHost('::', undefined);
  assert.ok(!any.startsWith('127.') || any === '127.0.0.1', any);
  assert.notEqual(any, '::');
});

test('the bind address: code, then MESHLET_IP_TO_BIND / DUBBO_IP_TO_BIND, else every interface', () => {
  assert.equal(bindHost('127.0.0.1', { MESHLET_IP_TO_BIND: '10.0.0.1' }), '127.0.0.1');
  assert.equal(bindHost(undefined, { DUBBO_IP_TO_BIND: '10.0.0.2' }), '10.0.0.2');
  assert.equal(bindHost(undefined, {}), undefined);
  assert.throws(() => bindHostFromEnv({ MESHLET_IP_TO_BIND: 'not an ip' }), { code: 'INVALID_ARGUMENT' });
});

test('the registry port: per protocol, then for all, Meshlet names before Dubbo\'s; bad values are refused', () => {
  assert.equal(advertisePort('dubbo', 20880, {}), 20880);
  assert.equal(advertisePort('dubbo', 20880, { MESHLET_PORT_TO_REGISTRY: '30880' }), 30880);
  assert.equal(advertisePort('dubbo', 20880, { MESHLET_PORT_TO_REGISTRY: '30880', MESHLET_DUBBO_PORT_TO_REGISTRY: '31880' }), 31880);
  assert.equal(advertisePort('bolt', 12200, { DUBBO_PORT_TO_REGISTRY: '32200' }), 32200);
  assert.throws(() => advertisePort('dubbo', 1, { MESHLET_PORT_TO_REGISTRY: '70000' }), { code: 'INVALID_ARGUMENT', message: /MESHLET_PORT_TO_REGISTRY/ });
  assert.throws(() => advertisePort('dubbo', 1, { DUBBO_DUBBO_PORT_TO_REGISTRY: 'x' }), { code: 'INVALID_ARGUMENT' });
});

test('a server without a host listens on every interface, IPv4 included', async () => {
  const server = new FrameServer({ encodeGoAway: () => undefined } as never);
  const { host, port } = await server.listen();
  try {
    assert.ok(host === '::' || host === '0.0.0.0', host);
    const s = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    s.destroy();
  } finally {
    await server.close(0);
  }
});
