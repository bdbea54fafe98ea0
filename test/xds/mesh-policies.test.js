// Cluster policies from a real xDS control plane (go-control-plane, test/xds/go) applied by
// Meshlet references over real providers: ring hash on an attachment (hash_policy header), EDS
// priorities failing over, Envoy outlier detection ejecting an overloaded provider and returning it (@meshlet/breaker's
// OutlierDetector), and retry_on 5xx hiding one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code, createInvocation, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import '@meshlet/lb';
import { OutlierDetector } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { triple } from '@meshlet/transport-triple';
import { createXdsClient, xdsMesh } from '@meshlet/xds';
import { controlPlaneBinary, ControlPlane, listener, types } from './control-plane.js';
import { sleep } from './mesh-helpers.js';

const Who = defineService({ interface: 'com.meshlet.test.XdsPolicies', methods: { who: { params: [], returns: t.string } } });
const PROTOCOLS = { dubbo, tri: triple };

let cp;
let nodes = 0;
before(async () => {
  cp = await new ControlPlane(await controlPlaneBinary(), { node: 'unused' }).start();
});
after(() => cp?.kill());

async function provider(name, protocol) {
  const p = { name, calls: 0, failing: false, mesh: undefined, port: 0 };
  // A failing provider refuses before the method runs (as an overloaded one does): SERVER_BUSY, a
  // 503 to outlier detection and to retry_on 5xx. A method's own exception is BUSINESS, an answer.
  const refusing = (next) => (inv) => {
    p.calls++;
    return p.failing ? Promise.reject(new RpcError(Code.ServerBusy, `${name} is overloaded`)) : next(inv);
  };
  const mesh = createRuntime({ protocols: [PROTOCOLS[protocol]()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [refusing] });
  p.mesh = mesh;
  mesh.provide(Who, { who: () => name });
  await mesh.start();
  p.port = mesh.address().port;
  return p;
}

const listenerRes = () => listener(Who.interface, 'policy-routes');

const routeRes = (cluster, action = {}) => ({
  '@type': types.route,
  name: 'policy-routes',
  virtual_hosts: [{ name: 'p', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, ...action } }] }],
});

const clusterRes = (name, extra = {}) => ({
  '@type': types.cluster, name, type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, ...extra,
});

/** `levels`: providers per priority. */
const endpointsRes = (name, levels) => ({
  '@type': types.endpoints,
  cluster_name: name,
  endpoints: levels.map((providers, priority) => ({
    locality: { region: 'r1', zone: `z${priority}` },
    priority,
    lb_endpoints: providers.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p.port } } } })),
  })),
});

for (const protocol of Object.keys(PROTOCOLS)) {
  test(`${protocol}: ring hash on an attachment, priority failover, outlier ejected and returned, retry on 5xx — from xDS`, async (t) => {
    const node = `policies-${protocol}-${process.pid}-${++nodes}`;
    const ps = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((n) => provider(n, protocol)));
    const [p1, p2, p3, p4] = ps;
    t.after(() => Promise.all(ps.map((p) => p.mesh.stop(0))));
    /**
     * Sets a snapshot and waits until this node ACKed it: its routes, and the cluster and its
     * endpoints by name (a CDS or EDS ACK at that version may still be for the names asked before).
     */
    const apply = async (resources) => {
      const version = await cp.set([listenerRes(), ...resources], { node });
      const cluster = resources.find((r) => r['@type'] === types.cluster).name;
      await cp.waitAcks((acks) => {
        const acked = (type, name) => acks.some((x) => x.kind === 'ack' && x.typeUrl === type && x.version === version && (name === undefined || x.names?.includes(name)));
        return acked(types.route) && acked(types.cluster, cluster) && acked(types.endpoints, cluster);
      }, `ACK of ${version}`);
    };
    const bootstrap = cp.bootstrap();
    bootstrap.node.id = node;
    const client = createXdsClient(bootstrap, { backoff: { initial: 50, max: 500 } });
    const consumer = createRuntime({
      protocols: [PROTOCOLS[protocol]()], timeout: 3000,
      mesh: xdsMesh(client, { outlierDetection: (config) => new OutlierDetector(config) }),
    });
    t.after(async () => { await consumer.stop(0); client.close(); });
    // The invoker, to give each call its own attachments.
    const invoke = consumer.invoker(Who);
    const who = (attachments = {}, timeout = 3000) => invoke(createInvocation(Who, Who.methods.get('who'), [], { attachments, timeout }));
    // Made before any config exists: it waits for it (the client loads Envoy's protos first: seconds on a loaded machine).
    const first = who({}, 15_000);

    // Ring hash: a user's calls all land on one provider; users spread over several.
    await apply([
      routeRes('ring', { hash_policy: [{ header: { header_name: 'x-user' } }] }),
      clusterRes('ring', { lb_policy: 'RING_HASH' }),
      endpointsRes('ring', [[p1, p2, p3]]),
    ]);
    assert.ok(['p1', 'p2', 'p3'].includes(await first), 'the call made before the config arrived waited for it');
    const homes = new Set();
    for (let u = 0; u < 24; u++) {
      const answers = new Set();
      for (let i = 0; i < 8; i++) answers.add(await who({ 'x-user': `user-${u}` }));
      assert.equal(answers.size, 1, `user-${u} landed on ${[...answers]}`);
      homes.add([...answers][0]);
    }
    assert.ok(homes.size >= 2, `24 users on ${homes.size} provider(s)`);

    // Priorities: P0 = p1, P1 = p2: all calls to p1; p1 stopped, they fail over to p2 (retried on connect failure).
    await apply([
      routeRes('prio', { retry_policy: { retry_on: 'connect-failure,reset,unavailable', num_retries: 2 } }),
      clusterRes('prio'),
      endpointsRes('prio', [[p1], [p2]]),
    ]);
    for (let i = 0; i < 20; i++) assert.equal(await who(), 'p1');
    await p1.mesh.stop(0);
    const after = [];
    for (let i = 0; i < 40; i++) after.push(await who());
    assert.deepEqual([...new Set(after)], ['p2'], 'P1 takes over');

    // Outlier detection: p3 refuses (SERVER_BUSY, a 503); after 3 in a row it is ejected and p4 takes every call.
    await apply([
      routeRes('od'),
      clusterRes('od', { outlier_detection: { consecutive_5xx: 3, interval: '0.2s', base_ejection_time: '1s', max_ejection_percent: 100 } }),
      endpointsRes('od', [[p3, p4]]),
    ]);
    p3.failing = true;
    const outcomes = [];
    for (let i = 0; i < 60; i++) outcomes.push(await who().catch((e) => (e.code === Code.ServerBusy ? e.code : `${e.code}: ${e.message}`)));
    const failures = outcomes.filter((o) => o === Code.ServerBusy).length;
    assert.ok(failures >= 3 && failures <= 4, `failures before the ejection: ${failures} (${outcomes.join(' ')})`);
    assert.deepEqual([...new Set(outcomes.slice(-40))], ['p4'], 'p3 ejected');
    const p3Calls = p3.calls;
    for (let i = 0; i < 20; i++) assert.equal(await who(), 'p4');
    assert.equal(p3.calls, p3Calls, 'no call reaches the ejected provider');
    // Recovered: back after base_ejection_time (1 s), at the next interval tick.
    p3.failing = false;
    const back = Date.now();
    while (p3.calls === p3Calls) {
      assert.ok(Date.now() - back < 5000, 'p3 returns within 5 s');
      assert.ok(['p3', 'p4'].includes(await who()));
      await sleep(20);
    }
    const returned = Date.now() - back;
    assert.ok(returned >= 600, `p3 came back after ${returned} ms, not before its ejection time`);

    // retry_on 5xx: p3 failing again, a cluster without outlier detection: every call answers.
    p3.failing = true;
    await apply([
      routeRes('retry', { retry_policy: { retry_on: '5xx', num_retries: 2, retry_back_off: { base_interval: '0.005s' } } }),
      clusterRes('retry'),
      endpointsRes('retry', [[p3, p4]]),
    ]);
    const before3 = p3.calls;
    for (let i = 0; i < 30; i++) assert.equal(await who(), 'p4');
    assert.ok(p3.calls > before3, 'p3 was tried and its failures retried');
  });
}

test('createMeshlet with MESHLET_XDS (a bootstrap file) drives its references from the control plane', async (t) => {
  const { createMeshlet } = await import('meshlet-rpc');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const node = `create-${process.pid}-${++nodes}`;
  const p = await provider('c1', 'dubbo');
  t.after(() => p.mesh.stop(0));
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-xds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bootstrap = cp.bootstrap();
  bootstrap.node.id = node;
  writeFileSync(join(dir, 'bootstrap.json'), JSON.stringify(bootstrap));
  const app = createMeshlet({ protocols: ['dubbo'], registry: false, admin: false, timeout: 15_000 }, { MESHLET_XDS: join(dir, 'bootstrap.json') });
  t.after(() => app.stop(0));
  const who = app.refer(Who);
  const answer = who.who();
  const version = await cp.set([listenerRes(), routeRes('one'), clusterRes('one', { outlier_detection: { consecutive_5xx: 5 } }), endpointsRes('one', [[p]])], { node });
  await cp.waitAcks((acks) => acks.some((x) => x.kind === 'ack' && x.typeUrl === types.endpoints && x.version === version && x.names?.includes('one')), `ACK of ${version}`);
  assert.equal(await answer, 'c1');
  const ref = app.introspect().references.find((r) => r.service.includes('cluster=one'));
  assert.ok(ref, 'the cluster shows in introspect()');
  assert.equal(ref.endpoints[0].breaker, 'healthy', 'the outlier detector (its states: healthy, ejected) watches the endpoint');
});
