// XdsClient against a real control plane: go-control-plane's ADS server and snapshot cache
// (test/xds/go), state-of-the-world and delta. The control plane reports the ACKs and NACKs it
// received, so the tests assert what the peer saw, not only what the client did.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createXdsClient, LISTENER, ROUTE_CONFIGURATION, CLUSTER, CLUSTER_LOAD_ASSIGNMENT } from '@meshlet/xds';
import { controlPlaneBinary, ControlPlane, listener, route, cluster, endpoints, types } from './control-plane.js';

let binary;
let nodes = 0;

before(async () => {
  // The first build fetches go-control-plane and gRPC-Go (minutes); cached afterwards.
  binary = await controlPlaneBinary();
});

async function controlPlane(t) {
  const cp = await new ControlPlane(binary, { node: `node-${process.pid}-${++nodes}` }).start();
  t.after(() => cp.kill());
  return cp;
}

function client(t, cp, options = {}) {
  const { delta = false, features = [], ...rest } = options;
  const c = createXdsClient(cp.bootstrap({ delta, features }), { backoff: { initial: 50, max: 500 }, ...rest });
  t.after(() => c.close());
  return c;
}

/** Every value a watcher saw, and a wait for the one that satisfies `pred`. */
function recorder(c, typeUrl, name) {
  const seen = [];
  const waiters = new Set();
  const unwatch = c.watch(typeUrl, name, (value, meta) => {
    seen.push({ value, meta });
    for (const w of [...waiters]) w();
  });
  return {
    seen,
    unwatch,
    last: () => seen.at(-1),
    until(pred, what, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find((s) => pred(s.value, s.meta));
          if (!hit) return;
          done();
          resolve(hit);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${ms} ms for ${name}; saw ${JSON.stringify(seen.map((s) => s.meta))}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

for (const delta of [false, true]) {
  const mode = delta ? 'delta' : 'SotW';

  test(`${mode}: listener → routes → cluster → endpoints arrive decoded, and the control plane sees each ACK`, async (t) => {
    const cp = await controlPlane(t);
    const version = await cp.set([listener('svc', 'svc-routes'), route('svc-routes', 'svc-cluster'), cluster('svc-cluster'), endpoints('svc-cluster', 3)]);
    const c = client(t, cp, { delta });
    const lds = recorder(c, LISTENER, 'svc');
    const { value: l } = await lds.until((v) => v !== undefined, 'listener');
    const hcm = l.apiListener.apiListener;
    assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    assert.equal(hcm.rds.routeConfigName, 'svc-routes');
    assert.equal(hcm.httpFilters[0].typedConfig['@type'], 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');

    const rds = recorder(c, ROUTE_CONFIGURATION, 'svc-routes');
    const { value: rc } = await rds.until((v) => v !== undefined, 'routes');
    assert.equal(rc.virtualHosts[0].routes[0].route.cluster, 'svc-cluster');
    assert.deepEqual(rc.virtualHosts[0].routes[0].route.timeout, { seconds: 3 }); // Durations as { seconds, nanos }, defaults left out

    const cds = recorder(c, CLUSTER, 'svc-cluster');
    const { value: cl, meta } = await cds.until((v) => v !== undefined, 'cluster');
    assert.equal(cl.type, 'EDS');
    assert.equal(meta.status, 'ACKED');
    if (!delta) assert.equal(meta.version, version);

    const eds = recorder(c, CLUSTER_LOAD_ASSIGNMENT, 'svc-cluster');
    const { value: cla } = await eds.until((v) => v !== undefined, 'endpoints');
    assert.deepEqual(cla.endpoints[0].lbEndpoints.map((e) => e.endpoint.address.socketAddress.address), ['10.0.0.0', '10.0.0.1', '10.0.0.2']);

    const acks = await cp.waitAcks((a) => (new Set(a.filter((x) => x.kind === 'ack' && x.version === version).map((x) => x.typeUrl)).size === 4 ? a : undefined), 'four ACKs');
    assert.ok(acks.every((a) => a.kind === 'ack' && a.delta === delta && a.node === cp.node));
    const events = await cp.events();
    assert.equal(new Set(events.filter((e) => e.kind !== 'sent').map((e) => e.stream)).size, 1, 'one ADS stream carries every type');
    assert.equal(c.status().state, 'open');
    assert.equal(c.status().nacks, 0);
  });

  test(`${mode}: 1,000 endpoints in one ClusterLoadAssignment are applied`, async (t) => {
    const cp = await controlPlane(t);
    await cp.set([endpoints('big', 1000)]);
    const c = client(t, cp, { delta });
    const eds = recorder(c, CLUSTER_LOAD_ASSIGNMENT, 'big');
    const { value } = await eds.until((v) => v !== undefined, 'the big assignment');
    const eps = value.endpoints[0].lbEndpoints;
    assert.equal(eps.length, 1000);
    assert.equal(new Set(eps.map((e) => e.endpoint.address.socketAddress.address)).size, 1000);
    assert.equal(eps[999].endpoint.address.socketAddress.address, '10.0.3.231');
    // And a change to it arrives whole as well.
    await cp.set([endpoints('big', 1000, 20881)]);
    await eds.until((v) => v?.endpoints[0].lbEndpoints[999].endpoint.address.socketAddress.portValue === 20881, 'the new ports');
  });

  test(`${mode}: an invalid resource is NACKed (the control plane sees the error) while the valid ones in the same response apply`, async (t) => {
    const cp = await controlPlane(t);
    const good = await cp.set([cluster('good'), cluster('other')]);
    const c = client(t, cp, { delta });
    const goodW = recorder(c, CLUSTER, 'good');
    const badW = recorder(c, CLUSTER, 'other');
    await goodW.until((v) => v !== undefined, 'good');
    await badW.until((v) => v !== undefined, 'other');

    // 'other' now asks for a ring of 2,000 to 1,000 entries: protojson takes it, gRPC's rules do not.
    const refused = await cp.set([
      cluster('good', { lb_policy: 'LEAST_REQUEST' }),
      cluster('other', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 2000, maximum_ring_size: 1000 } }),
    ]);
    const nack = await cp.waitAcks((a) => a.find((x) => x.kind === 'nack' && x.typeUrl === types.cluster), 'a NACK');
    assert.match(nack.error, /other: minimum_ring_size 2000 above maximum_ring_size 1000/);
    if (!delta) assert.equal(nack.version, good, 'a SotW NACK names the last version accepted');
    else assert.equal(nack.version, refused);

    await goodW.until((v) => v?.lbPolicy === 'LEAST_REQUEST', 'the valid cluster of the refused response');
    assert.equal(badW.last().value.lbPolicy, undefined, 'the invalid one keeps its last good value');
    const dumped = c.dump().genericXdsConfigs.find((g) => g.name === 'other');
    assert.equal(dumped.clientStatus, 'NACKED');
    assert.match(dumped.errorState.details, /minimum_ring_size/);
    assert.equal(c.dump().genericXdsConfigs.find((g) => g.name === 'good').clientStatus, 'ACKED');
    assert.equal(c.status().nacks, 1);

    // Fixed: the next version is ACKed.
    const fixed = await cp.set([cluster('good'), cluster('other', { lb_policy: 'RING_HASH' })]);
    await cp.waitAcks((a) => a.find((x) => x.kind === 'ack' && x.typeUrl === types.cluster && x.version === fixed), 'the ACK of the fix');
    await badW.until((v) => v?.lbPolicy === 'RING_HASH', 'the fixed cluster');
  });

  test(`${mode}: a removed cluster is announced as undefined; a name the control plane lacks does not exist after the timeout`, async (t) => {
    const cp = await controlPlane(t);
    await cp.set([cluster('a'), cluster('b'), endpoints('a')]);
    const c = client(t, cp, { delta, resourceTimeoutMs: 1500 });
    const a = recorder(c, CLUSTER, 'a');
    const b = recorder(c, CLUSTER, 'b');
    await a.until((v) => v !== undefined, 'a');
    await b.until((v) => v !== undefined, 'b');
    await cp.set([cluster('a'), endpoints('a')]);
    const gone = await b.until((v, m) => v === undefined && m.status === 'DOES_NOT_EXIST', 'the removal of b');
    assert.equal(gone.value, undefined);
    assert.ok(a.seen.every((s) => s.value !== undefined), 'a stays');

    // EDS responses name a subset: a missing assignment is only declared missing by the timer.
    const started = Date.now();
    const missing = recorder(c, CLUSTER_LOAD_ASSIGNMENT, 'nope');
    await missing.until((v, m) => v === undefined && m.status === 'DOES_NOT_EXIST', 'does-not-exist', 20_000);
    assert.ok(Date.now() - started >= 1400, `declared missing after ${Date.now() - started} ms, before the timeout`);
    assert.equal(c.dump().genericXdsConfigs.find((g) => g.name === 'nope').clientStatus, 'DOES_NOT_EXIST');

    // It appears later: the watcher gets it.
    await cp.set([cluster('a'), endpoints('a'), endpoints('nope')]);
    await missing.until((v) => v !== undefined, 'the late assignment');
  });

  test(`${mode}: the control plane killed: cached resources stay and serve; reconnect; new versions after the restart`, async (t) => {
    const cp = await controlPlane(t);
    await cp.set([cluster('svc'), endpoints('svc', 2)]);
    const c = client(t, cp, { delta, resourceTimeoutMs: 1000 });
    const cds = recorder(c, CLUSTER, 'svc');
    const eds = recorder(c, CLUSTER_LOAD_ASSIGNMENT, 'svc');
    await cds.until((v) => v !== undefined, 'cluster');
    await eds.until((v) => v !== undefined, 'endpoints');

    await cp.kill();
    await new Promise((resolve, reject) => {
      const end = Date.now() + 10_000;
      const poll = () => {
        if (c.status().state === 'backoff' || c.status().state === 'connecting') return resolve();
        if (Date.now() > end) return reject(new Error(`state ${c.status().state}`));
        setTimeout(poll, 20);
      };
      poll();
    });
    // Away for longer than the does-not-exist timeout: nothing is dropped, a new watcher gets the cache.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(eds.last().value.endpoints[0].lbEndpoints.length, 2);
    assert.ok(eds.seen.every((s) => s.value !== undefined));
    const late = recorder(c, CLUSTER_LOAD_ASSIGNMENT, 'svc');
    assert.equal(late.seen.length, 1, 'replayed at once');
    assert.equal(late.last().value.endpoints[0].lbEndpoints.length, 2);
    assert.match(c.status().lastError.message, /broke/);

    await cp.restart();
    await cp.set([cluster('svc'), endpoints('svc', 4)], { version: 'after-restart' });
    await eds.until((v) => v?.endpoints[0].lbEndpoints.length === 4, 'the new version', 30_000);
    await cp.waitAcks((a) => a.find((x) => x.kind === 'ack' && x.typeUrl === types.endpoints && (delta || x.version === 'after-restart')), 'an ACK after the restart');
    assert.ok(c.status().streams >= 2);
    assert.equal(c.status().state, 'open');
    assert.ok(cds.seen.every((s) => s.value !== undefined), 'the cluster never went away');
  });
}

test('SotW: a listener missing from an LDS response is removed; with ignore_resource_deletion it is kept', async (t) => {
  const cp = await controlPlane(t);
  await cp.set([listener('l1', 'r1'), listener('l2', 'r2')]);
  const plain = client(t, cp);
  const keeping = client(t, cp, { features: ['ignore_resource_deletion'] });
  const p = recorder(plain, LISTENER, 'l2');
  const k = recorder(keeping, LISTENER, 'l2');
  await p.until((v) => v !== undefined, 'l2');
  await k.until((v) => v !== undefined, 'l2');
  const v2 = await cp.set([listener('l1', 'r1')]);
  await p.until((v) => v === undefined, 'the removal');
  await cp.waitAcks((a) => a.filter((x) => x.kind === 'ack' && x.version === v2 && x.typeUrl === types.listener).length === 2, 'both ACKs of v2');
  assert.ok(k.seen.every((s) => s.value !== undefined), 'kept under ignore_resource_deletion');
});

test('SotW: a wildcard watch gets every cluster, including ones added later', async (t) => {
  const cp = await controlPlane(t);
  await cp.set([cluster('x'), cluster('y')]);
  const c = client(t, cp);
  const names = new Set();
  let resolveZ;
  const z = new Promise((r) => (resolveZ = r));
  c.watch(CLUSTER, '*', (value, meta) => {
    if (value !== undefined) names.add(meta.name);
    if (meta.name === 'z' && value !== undefined) resolveZ();
  });
  await cp.waitAcks((a) => a.find((x) => x.kind === 'ack' && x.typeUrl === types.cluster), 'the CDS ACK');
  await cp.set([cluster('x'), cluster('y'), cluster('z')]);
  await z;
  assert.deepEqual([...names].sort(), ['x', 'y', 'z']);
  const req = (await cp.events()).find((e) => e.kind === 'request' && e.typeUrl === types.cluster);
  assert.equal(req.names, undefined, 'a wildcard alone is the legacy empty list');
});

test('delta: a wildcard watch gets every cluster, and hears of removals', async (t) => {
  const cp = await controlPlane(t);
  await cp.set([cluster('x'), cluster('y')]);
  const c = client(t, cp, { delta: true });
  const seen = [];
  let wake = () => {};
  c.watch(CLUSTER, '*', (value, meta) => {
    seen.push([meta.name, value !== undefined]);
    wake();
  });
  const until = (pred) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saw ${JSON.stringify(seen)}`)), 20_000);
    wake = () => pred() && (clearTimeout(timer), resolve());
    wake();
  });
  await until(() => seen.length >= 2);
  assert.deepEqual(seen.map((s) => s[0]).sort(), ['x', 'y']);
  await cp.set([cluster('x')]);
  await until(() => seen.some(([n, v]) => n === 'y' && !v));
  const req = (await cp.events()).find((e) => e.kind === 'request' && e.typeUrl === types.cluster);
  assert.deepEqual(req.names, ['*']);
});

test('a filter our protos do not load (RBAC) arrives as { @type, value: Buffer }; the peer parses any Envoy type', async (t) => {
  const cp = await controlPlane(t);
  const l = listener('with-rbac', 'r');
  const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
  l.api_listener.api_listener.http_filters.unshift({ name: 'rbac', typed_config: { '@type': RBAC, rules: { action: 'DENY' } } });
  await cp.set([l]);
  const c = client(t, cp);
  const lds = recorder(c, LISTENER, 'with-rbac');
  const { value } = await lds.until((v) => v !== undefined, 'listener');
  const rbac = value.apiListener.apiListener.httpFilters[0].typedConfig;
  assert.equal(rbac['@type'], RBAC);
  assert.ok(Buffer.isBuffer(rbac.value) && rbac.value.length > 0);
});

for (const delta of [false, true]) {
  test(`${delta ? 'delta' : 'SotW'}: 300 clusters watched at once, 150 unwatched: the control plane ends subscribed to the 150 left, and only they hear of a change`, async (t) => {
    const cp = await controlPlane(t);
    const names = Array.from({ length: 300 }, (_, i) => `c${i}`);
    await cp.set(names.map((n) => cluster(n)));
    const c = client(t, cp, { delta });
    const seen = new Map(names.map((n) => [n, []]));
    const unwatch = new Map(names.map((n) => [n, c.watch(CLUSTER, n, (v) => seen.get(n).push(v))]));
    const all = () => names.every((n) => seen.get(n).length > 0);
    for (const end = Date.now() + 20_000; !all(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`${names.filter((n) => seen.get(n).length === 0).length} clusters never arrived`);
    }
    const dropped = names.filter((_, i) => i % 2 === 1);
    const kept = names.filter((_, i) => i % 2 === 0);
    for (const n of dropped) unwatch.get(n)();

    const v2 = await cp.set(names.map((n) => cluster(n, { lb_policy: 'LEAST_REQUEST' })));
    for (const end = Date.now() + 20_000; !kept.every((n) => seen.get(n).at(-1)?.lbPolicy === 'LEAST_REQUEST'); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error('the kept clusters did not all change');
    }
    assert.ok(dropped.every((n) => seen.get(n).length === 1), 'an unwatched cluster hears nothing more');

    // What the control plane holds as this stream's subscription, once it has read up to the ACK of
    // v2 (it reads a stream's requests in order; the unwatches went before it).
    await cp.waitAcks((a) => a.find((x) => x.kind === 'ack' && x.typeUrl === types.cluster && x.version === v2), 'the ACK of v2');
    const requests = (await cp.events()).filter((e) => (e.kind === 'request' || e.kind === 'ack') && e.typeUrl === types.cluster);
    let subscribed;
    if (delta) {
      subscribed = new Set();
      for (const r of requests) {
        for (const n of r.names ?? []) subscribed.add(n);
        for (const n of r.unsubscribe ?? []) subscribed.delete(n);
      }
    } else {
      subscribed = new Set(requests.at(-1).names);
    }
    assert.deepEqual([...subscribed].sort(), [...kept].sort());
    assert.equal(c.status().nacks, 0);
  });
}

for (const delta of [false, true]) {
  test(`${delta ? 'delta' : 'SotW'}: a resource unwatched and watched again in one tick is sent again by the control plane`, async (t) => {
    const cp = await controlPlane(t);
    await cp.set([cluster('again')]);
    const c = client(t, cp, { delta, resourceTimeoutMs: 5000 });
    const first = recorder(c, CLUSTER, 'again');
    await first.until((v) => v !== undefined, 'the cluster');
    first.unwatch();
    const second = recorder(c, CLUSTER, 'again');
    const { value, meta } = await second.until((v, m) => v !== undefined || m.status === 'DOES_NOT_EXIST', 'the cluster again');
    assert.equal(meta.status, 'ACKED');
    assert.equal(value.name, 'again');
  });
}
