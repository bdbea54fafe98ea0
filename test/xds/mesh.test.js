// A real xDS control plane (go-control-plane's ADS server and snapshot cache, test/xds/go) drives
// Meshlet references through xdsMesh, over real Meshlet providers on every protocol: canary
// weights shifted under 128 calls in flight, a route timeout tightened, a fault injected and
// removed, an endpoint drained, the control plane killed and restarted — calls keep flowing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import '@meshlet/lb';
import { dubbo } from '@meshlet/transport-dubbo';
import { triple } from '@meshlet/transport-triple';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { createXdsClient, xdsMesh } from '@meshlet/xds';
import { controlPlaneBinary, ControlPlane, listener, types } from './control-plane.js';
import { load, loads, sleep, until } from './mesh-helpers.js';

const Who = defineService({
  interface: 'com.meshlet.test.XdsWho',
  methods: { who: { params: [t.int32], returns: t.string } },
});
const T = 'type.googleapis.com/';
const FAULT = `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`;
const PROTOCOLS = { dubbo, tri: triple, bolt, motan2, rsocket };

let cp;
let nodes = 0;
before(async () => {
  // The first build fetches go-control-plane and gRPC-Go (minutes); cached afterwards.
  cp = await new ControlPlane(await controlPlaneBinary(), { node: 'unused' }).start();
});
after(() => cp?.kill());

/** A provider runtime answering `who(delayMs)` with its name after the delay; counts calls. */
async function provider(name, protocol) {
  const mesh = createRuntime({ protocols: [PROTOCOLS[protocol]()], server: { host: '127.0.0.1', port: 0 } });
  const p = { name, calls: 0, mesh, port: 0 };
  mesh.provide(Who, { who: async (ms) => { p.calls++; if (ms > 0) await sleep(ms); return name; } });
  await mesh.start();
  p.port = mesh.address().port;
  return p;
}

// Resources in protojson (the control plane parses them with Envoy's registered Go types).
function listenerRes({ fault = false } = {}) {
  return listener(Who.interface, 'who-routes', { filters: fault ? [{ name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT } }] : [] });
}

function routeRes({ weights = { stable: 100 }, timeout = '3s', fault } = {}) {
  const clusters = Object.entries(weights).filter(([, w]) => w > 0).map(([name, weight]) => ({ name, weight }));
  const action = clusters.length === 1 ? { cluster: clusters[0].name } : { weighted_clusters: { clusters } };
  return {
    '@type': types.route,
    name: 'who-routes',
    virtual_hosts: [{
      name: 'who', domains: [Who.interface],
      routes: [{
        match: { prefix: `/${Who.interface}/` },
        route: { ...action, timeout },
        ...(fault ? { typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, ...fault } } } : {}),
      }],
    }],
  };
}

function clusterRes(name) {
  return {
    '@type': types.cluster, name, type: 'EDS', lb_policy: 'ROUND_ROBIN',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `${name}-eds` },
  };
}

function endpointsRes(name, providers, health = {}) {
  return {
    '@type': types.endpoints,
    cluster_name: `${name}-eds`,
    endpoints: [{
      locality: { region: 'r1', zone: 'z1' },
      lb_endpoints: providers.map((p) => ({
        endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p.port } } },
        health_status: health[p.name] ?? 'HEALTHY',
      })),
    }],
  };
}

/**
 * Whether the control plane saw the client ACK `version` of a type (SotW), asking for `name` when
 * given: an ACK at that version may still carry the names asked before.
 */
function ackedAt(events, version, typeUrl, name) {
  return events.some((e) => e.kind === 'ack' && e.typeUrl === typeUrl && e.version === version && (name === undefined || e.names?.includes(name)));
}

/** Calls until `n` answers: the share each provider got. */
async function shares(who, n = 2048) {
  const counts = {};
  for (let done = 0; done < n; done += 128) {
    const names = await Promise.all(Array.from({ length: 128 }, () => who.who(0)));
    for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

// State-of-the-world ADS (the mapping only sees watch callbacks: delta is the client's business,
// tested in client.test.js).
for (const protocol of Object.keys(PROTOCOLS)) {
  test(`${protocol}: an xDS control plane drives a reference — canary weights, timeout, fault, drain, control plane restart`, async (t) => {
    const node = `mesh-${protocol}-${process.pid}-${++nodes}`;
    const [a, b, canary] = await Promise.all(['stable-a', 'stable-b', 'canary'].map((n) => provider(n, protocol)));
    const stable = [a, b];
    t.after(() => Promise.all([a, b, canary].map((p) => p.mesh.stop(0))));
    // A failed assertion must not leave a load running (it would hold the file open).
    t.after(() => Promise.all([...loads].map((l) => l.stop())));
    const snapshot = (opts = {}) => [
      listenerRes(opts.listener), routeRes(opts.route), clusterRes('stable'), clusterRes('canary'),
      endpointsRes('stable', stable, opts.health), endpointsRes('canary', [canary]),
    ];
    /**
     * Sets a snapshot and waits until this node ACKed it: its routes, and each cluster the route
     * sends to with its endpoints, by name (a CDS or EDS ACK at that version may still be for the
     * names asked before).
     */
    const apply = async (opts = {}) => {
      const version = await cp.set(snapshot(opts), { node });
      const clusters = Object.entries(opts.route?.weights ?? { stable: 100 }).filter(([, w]) => w > 0).map(([name]) => name);
      await until(async () => {
        const events = await cp.events();
        const acked = (type, name) => ackedAt(events, version, type, name);
        return acked(types.route) && clusters.every((c) => acked(types.cluster, c) && acked(types.endpoints, `${c}-eds`));
      }, `ACK of ${version}`);
      return version;
    };
    const bootstrap = cp.bootstrap();
    bootstrap.node.id = node;
    const client = createXdsClient(bootstrap, { backoff: { initial: 50, max: 500 } });
    const consumer = createRuntime({ protocols: [PROTOCOLS[protocol]()], mesh: xdsMesh(client), timeout: 3000 });
    t.after(async () => { await consumer.stop(0); client.close(); });
    const who = consumer.refer(Who);
    // The reference watches its listener from now on: the first snapshot reaches it.
    await apply({ route: { weights: { stable: 90, canary: 10 } } });

    // Canary: 90/10, then 50/50 and 0/100 while 128 calls stay in flight across each shift.
    // 2,048 calls at p = 0.1 have σ ≈ 0.0066 and at 0.5 σ ≈ 0.011: ±0.05 is over 4σ.
    let c = await shares(who);
    assert.ok(Math.abs((c.canary ?? 0) / 2048 - 0.1) < 0.05, `90/10: ${JSON.stringify(c)}`);
    const during = load(() => who.who(0));
    await apply({ route: { weights: { stable: 50, canary: 50 } } });
    c = await shares(who);
    assert.ok(Math.abs((c.canary ?? 0) / 2048 - 0.5) < 0.05, `50/50: ${JSON.stringify(c)}`);
    await apply({ route: { weights: { stable: 0, canary: 100 } } });
    c = await shares(who, 512);
    assert.deepEqual(c, { canary: 512 });
    await apply({ route: { weights: { stable: 100 } } });
    const shifted = await during.stop();
    assert.deepEqual(shifted.errors.slice(0, 5), [], `${shifted.errors.length} calls failed across the shifts`);
    assert.ok(during.total() > 1000, `calls made during the shifts: ${during.total()}`);

    // A route timeout tightened: a 400 ms call answers under 3 s, then times out at 200 ms.
    assert.ok(['stable-a', 'stable-b'].includes(await who.who(400)));
    await apply({ route: { timeout: '0.2s' } });
    const t0 = Date.now();
    await assert.rejects(who.who(400), (e) => RpcError.is(e, Code.Timeout));
    const took = Date.now() - t0;
    assert.ok(took >= 180 && took < 1500, `timed out after ${took} ms (route timeout 200 ms)`);

    // A fault injected (abort 100 %, gRPC UNAVAILABLE), unsent; then removed.
    await apply({ listener: { fault: true }, route: { fault: { abort: { grpc_status: 14, percentage: { numerator: 100 } } } } });
    const before = a.calls + b.calls;
    for (let i = 0; i < 20; i++) {
      await assert.rejects(who.who(0), (e) => RpcError.is(e, Code.Unavailable) && /fault injected/.test(e.message));
    }
    assert.equal(a.calls + b.calls, before, 'faulted calls are not sent');
    await apply({ listener: { fault: true }, route: { fault: { delay: { fixed_delay: '0.15s', percentage: { numerator: 100 } } } } });
    const t1 = Date.now();
    await who.who(0);
    assert.ok(Date.now() - t1 >= 140, 'a 150 ms delay injected');
    await apply({ listener: { fault: true } });
    assert.ok(['stable-a', 'stable-b'].includes(await who.who(0)));

    // stable-a drained (EDS health DRAINING) under 128 in flight: no call fails, then none reach it.
    const draining = load(() => who.who(5));
    await sleep(200);
    await apply({ health: { 'stable-a': 'DRAINING' } });
    await sleep(300);
    const aAfter = a.calls;
    await sleep(500);
    const drained = await draining.stop();
    assert.deepEqual(drained.errors.slice(0, 5), [], `${drained.errors.length} calls failed while draining`);
    assert.equal(a.calls, aAfter, 'no call reaches the drained endpoint');
    assert.ok(drained.counts['stable-b'] > 0);
    await apply({});

    // The control plane killed, then restarted (empty cache): calls keep flowing on the cached config.
    const through = load(() => who.who(2));
    await sleep(300);
    await cp.kill();
    await sleep(1000);
    const whileDown = through.total();
    await sleep(1000);
    assert.ok(through.total() > whileDown + 100, `calls flow while the control plane is down (${whileDown} -> ${through.total()})`);
    await cp.restart();
    await sleep(500);
    // The restarted control plane knows nothing until the snapshot is set again; then it applies.
    await apply({ route: { weights: { stable: 0, canary: 100 } } });
    const flowing = await through.stop();
    assert.deepEqual(flowing.errors.slice(0, 5), [], `${flowing.errors.length} calls failed across the control plane's restart`);
    assert.deepEqual(await shares(who, 256), { canary: 256 }, 'config from the restarted control plane applies');
  });
}
