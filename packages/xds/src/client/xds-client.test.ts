// XdsClient's protocol state machine against an in-process ADS server: what each request carries
// (node once per stream, versions, nonces, NACK details, delta subscriptions and initial versions),
// what is kept when a resource is invalid or the server goes away, and the does-not-exist timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcError } from '@meshlet/core';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER } from '../type-urls.js';
import type { XdsObject } from '../decode/decode.js';
import { envoyRoot } from '../protos/envoy-root.js';
import { FakeAdsServer, anyOf } from './ads.fixture.js';
import type { ResourceMeta } from './resource-cache.js';
import { createXdsClient, type XdsClient } from './xds-client.js';

const cluster = (name: string, extra: Record<string, unknown> = {}) => anyOf(CLUSTER, { name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {} } }, ...extra });
const cla = (name: string, port = 80) =>
  anyOf(CLUSTER_LOAD_ASSIGNMENT, { clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.1.1.1', portValue: port } } } }] }] });

function client(t: { after(fn: () => void): void }, server: FakeAdsServer, delta = false, resourceTimeoutMs = 15_000): XdsClient {
  const c = createXdsClient(
    { xds_servers: [{ server_uri: server.target, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }], node: { id: 'n1', cluster: 'c', metadata: { A: 1 } } },
    { delta, resourceTimeoutMs, backoff: { initial: 20, max: 100 } },
  );
  t.after(() => c.close());
  return c;
}

function watcher() {
  const seen: { value: XdsObject | undefined; meta: ResourceMeta }[] = [];
  return { seen, fn: (value: XdsObject | undefined, meta: ResourceMeta) => void seen.push({ value, meta }) };
}

async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('SotW: node in the first request only; ACK names version and nonce; an invalid resource is NACKed, the valid one applies', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = client(t, server);
  const a = watcher();
  const b = watcher();
  c.watch(CLUSTER, 'a', a.fn);
  c.watch(CLUSTER, 'b', b.fn);
  // Both watches precede the stream (it opens once gRPC is loaded): one request names both.
  const first = await server.request(0, 0);
  assert.deepEqual(first.resourceNames, ['a', 'b']);
  assert.equal((first.node as { id: string }).id, 'n1');
  assert.deepEqual((first.node as { metadata: unknown }).metadata, { fields: { A: { numberValue: 1 } } });
  assert.deepEqual((first.node as { clientFeatures: string[] }).clientFeatures, ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw']);

  const n1 = server.pushSotw(CLUSTER, '1', [cluster('a'), cluster('b')]);
  const ack = await server.request(0, 1);
  assert.deepEqual([ack.versionInfo, ack.responseNonce, ack.errorDetail, ack.node], ['1', n1, null, null]);
  assert.equal(a.seen.at(-1)!.value!['name'], 'a');

  const n2 = server.pushSotw(CLUSTER, '2', [cluster('a', { lbPolicy: 'LEAST_REQUEST' }), cluster('b', { lbPolicy: 'LEAST_REQUEST', leastRequestLbConfig: { choiceCount: { value: 1 } } })]);
  const nack = await server.request(0, 2);
  assert.equal(nack.versionInfo, '1');
  assert.equal(nack.responseNonce, n2);
  assert.deepEqual(nack.errorDetail, { code: 3, message: 'b: least_request choice_count below 2', details: [] });
  assert.equal(a.seen.at(-1)!.value!['lbPolicy'], 'LEAST_REQUEST', 'the valid resource of a NACKed response applies');
  assert.equal(b.seen.length, 1, 'the invalid one keeps its last good value, no callback');
  const dumpB = c.dump().genericXdsConfigs.find((g) => g.name === 'b')!;
  assert.equal(dumpB.clientStatus, 'NACKED');
  assert.equal(dumpB.versionInfo, '1');
  assert.deepEqual(dumpB.errorState && { v: dumpB.errorState.versionInfo, d: dumpB.errorState.details }, { v: '2', d: 'b: least_request choice_count below 2' });
  assert.equal(c.status().nacks, 1);
  assert.equal(c.status().acks, 1);

  // The dump speaks CSDS: every key is a field of envoy.service.status.v3's messages.
  const fields = (name: string) => new Set(envoyRoot().lookupType(name).fieldsArray.map((f) => f.name));
  const generic = fields('envoy.service.status.v3.ClientConfig.GenericXdsConfig');
  const failure = fields('envoy.admin.v3.UpdateFailureState');
  const nodeFields = fields('envoy.config.core.v3.Node');
  const dump = c.dump();
  assert.deepEqual(Object.keys(dump).filter((k) => !fields('envoy.service.status.v3.ClientConfig').has(k)), []);
  assert.deepEqual(Object.keys(dump.node).filter((k) => !nodeFields.has(k)), []);
  for (const g of dump.genericXdsConfigs) {
    assert.deepEqual(Object.keys(g).filter((k) => !generic.has(k)), []);
    if (g.errorState) assert.deepEqual(Object.keys(g.errorState).filter((k) => !failure.has(k)), []);
  }
});

test('SotW: bytes that are no response and resources of the wrong type never crash: NACK or ignored, typed errors', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = client(t, server);
  const a = watcher();
  c.watch(CLUSTER, 'a', a.fn);
  await server.request(0, 0);
  server.pushRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff]));
  await eventually(() => /unreadable/.test(c.status().lastError?.message ?? ''), 'the unreadable response noted');
  server.pushSotw(CLUSTER, '1', [{ type_url: LISTENER, value: Buffer.from([0x0a, 0x01, 0x61]) }, { type_url: CLUSTER, value: Buffer.from([0x0a, 0x05, 0x61]) }]);
  const nack = await server.request(0, 1);
  assert.match(String(nack.errorDetail && (nack.errorDetail as { message: string }).message), /a resource of type .*Listener in a response of .*Cluster; .*not a valid envoy\.config\.cluster\.v3\.Cluster/);
  assert.equal(c.status().state, 'open');
});

test('delta: subscribe/unsubscribe, per-resource versions, removal, initial_resource_versions after a reconnect', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = client(t, server, true);
  const a = watcher();
  const unwatchA = c.watch(CLUSTER, 'a', a.fn);
  const first = await server.request(0, 0);
  assert.deepEqual([first.typeUrl, first.resourceNamesSubscribe, (first.node as { id: string }).id], [CLUSTER, ['a'], 'n1']);
  const b = watcher();
  c.watch(CLUSTER, 'b', b.fn);
  const sub = await server.request(0, 1);
  assert.deepEqual([sub.resourceNamesSubscribe, sub.node], [['b'], null]);

  const n1 = server.pushDelta(CLUSTER, [{ name: 'a', version: 'a1', resource: cluster('a') }, { name: 'b', version: 'b1', resource: cluster('b') }]);
  const ack = await server.request(0, 2);
  assert.deepEqual([ack.responseNonce, ack.errorDetail], [n1, null]);
  assert.equal(a.seen.at(-1)!.meta.version, 'a1');

  server.pushDelta(CLUSTER, [], ['b']);
  await server.request(0, 3);
  assert.equal(b.seen.at(-1)!.value, undefined);
  assert.equal(b.seen.at(-1)!.meta.status, 'DOES_NOT_EXIST');

  // A name in a delta resource that differs from the one inside is invalid.
  const n3 = server.pushDelta(CLUSTER, [{ name: 'a', version: 'a2', resource: cluster('zzz') }]);
  const nack = await server.request(0, 4);
  assert.equal(nack.responseNonce, n3);
  assert.match(String((nack.errorDetail as { message: string }).message), /a: named zzz inside/);

  server.breakStream();
  const again = await server.request(1, 0);
  assert.deepEqual(again.resourceNamesSubscribe, ['a', 'b']);
  assert.deepEqual(again.initialResourceVersions, { a: 'a1' });
  assert.equal((again.node as { id: string }).id, 'n1');

  unwatchA();
  const unsub = await server.request(1, 1);
  assert.deepEqual(unsub.resourceNamesUnsubscribe, ['a']);
});

test('the cache serves while the server is away; a new watcher gets it at once; the new stream asks with the last version', async (t) => {
  const server = await new FakeAdsServer().start();
  const c = client(t, server, false, 300);
  const w = watcher();
  c.watch(CLUSTER_LOAD_ASSIGNMENT, 'e', w.fn);
  await server.request(0, 0);
  server.pushSotw(CLUSTER_LOAD_ASSIGNMENT, '5', [cla('e')]);
  await server.request(0, 1);
  const port = server.port;
  server.stop();
  await eventually(() => c.status().state === 'backoff' || c.status().state === 'connecting', 'the client to see the server gone');
  await new Promise((r) => setTimeout(r, 900)); // three does-not-exist timeouts: none may fire for a cached resource
  assert.equal(w.seen.length, 1);
  const late = watcher();
  c.watch(CLUSTER_LOAD_ASSIGNMENT, 'e', late.fn);
  assert.equal(late.seen.length, 1, 'replayed synchronously');
  assert.equal(late.seen[0]!.meta.version, '5');

  const back = await new FakeAdsServer().start(port);
  t.after(() => back.stop());
  const first = await back.request(0, 0);
  assert.equal(first.versionInfo, '5');
  assert.equal(first.responseNonce, '');
  back.pushSotw(CLUSTER_LOAD_ASSIGNMENT, '6', [cla('e', 81)]);
  await eventually(() => w.seen.length === 2, 'the new value');
  assert.equal(c.status().streams >= 2, true);
});

test('resource-not-exist: undefined after the timeout; a later arrival is delivered; a full-state type drops a held resource it no longer lists', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = client(t, server, false, 200);
  const e = watcher();
  const started = Date.now();
  c.watch(CLUSTER_LOAD_ASSIGNMENT, 'nope', e.fn);
  await server.request(0, 0);
  await eventually(() => e.seen.length === 1, 'does-not-exist');
  assert.ok(Date.now() - started >= 190);
  assert.deepEqual([e.seen[0]!.value, e.seen[0]!.meta.status], [undefined, 'DOES_NOT_EXIST']);
  const late = watcher();
  c.watch(CLUSTER_LOAD_ASSIGNMENT, 'nope', late.fn);
  assert.equal(late.seen[0]!.meta.status, 'DOES_NOT_EXIST', 'the verdict is replayed too');
  server.pushSotw(CLUSTER_LOAD_ASSIGNMENT, '1', [cla('nope')]);
  await eventually(() => e.seen.length === 2, 'the arrival');

  // CDS is full-state: a cluster held and then missing from a response was removed, at once. One
  // never received is left to the timer (the response may answer a request that did not name it).
  const cl = watcher();
  c.watch(CLUSTER, 'gone', cl.fn);
  await server.request(0, 2);
  server.pushSotw(CLUSTER, '1', [cluster('gone'), cluster('other')]);
  await eventually(() => cl.seen.length === 1, 'the cluster');
  server.pushSotw(CLUSTER, '2', [cluster('other')]);
  await server.request(0, 4);
  assert.deepEqual([cl.seen.length, cl.seen[1]?.value, cl.seen[1]?.meta.status], [2, undefined, 'DOES_NOT_EXIST'], 'removed as the response is handled');
});

test('bad arguments and closed clients are typed errors; a throwing watcher does not stop the others', async (t) => {
  const server = await new FakeAdsServer().start();
  t.after(() => server.stop());
  const c = client(t, server);
  assert.throws(() => c.watch('nope', 'a', () => {}), (e: unknown) => e instanceof RpcError && e.code === 'INVALID_ARGUMENT');
  assert.throws(() => c.watch(CLUSTER, '', () => {}), (e: unknown) => e instanceof RpcError && e.code === 'INVALID_ARGUMENT');
  const ok = watcher();
  const warned = new Promise((resolve) => process.once('warning', resolve));
  c.watch(CLUSTER, 'a', () => {
    throw new Error('watcher bug');
  });
  c.watch(CLUSTER, 'a', ok.fn);
  await server.request(0, 0);
  server.pushSotw(CLUSTER, '1', [cluster('a')]);
  await eventually(() => ok.seen.length === 1, 'the second watcher');
  assert.match(String((await warned) as Error), /watcher bug/);
  c.close();
  assert.throws(() => c.watch(CLUSTER, 'b', () => {}), (e: unknown) => e instanceof RpcError && e.code === 'SHUTDOWN');
  assert.equal(c.status().state, 'closed');
});

for (const delta of [false, true]) {
  test(`${delta ? 'delta' : 'SotW'}: watches made in one tick go out as one request; an unwatch goes at once`, async (t) => {
    const server = await new FakeAdsServer().start();
    t.after(() => server.stop());
    const c = client(t, server, delta);
    c.watch(CLUSTER, 'first', () => {});
    await server.request(0, 0);
    const unwatch = new Map<string, () => void>();
    for (let i = 0; i < 50; i++) unwatch.set(`c${i}`, c.watch(CLUSTER, `c${i}`, () => {}));
    const batch = await server.request(0, 1);
    const list = (v: unknown) => v as string[];
    const names = list(delta ? batch.resourceNamesSubscribe : batch.resourceNames);
    assert.equal(names.length, delta ? 50 : 51);
    unwatch.get('c7')!();
    unwatch.get('c8')!();
    const gone7 = await server.request(0, 2);
    const gone8 = await server.request(0, 3);
    if (delta) assert.deepEqual([gone7.resourceNamesUnsubscribe, gone8.resourceNamesUnsubscribe], [['c7'], ['c8']]);
    else assert.deepEqual([list(gone7.resourceNames).length, list(gone8.resourceNames).length, list(gone8.resourceNames).includes('c8')], [50, 49, false]);
    // A watch and its unwatch within one tick: delta sends nothing for it, SotW a list without it.
    const off = c.watch(CLUSTER, 'blink', () => {});
    off();
    c.watch(CLUSTER, 'last', () => {});
    const after = await server.request(0, delta ? 4 : 5);
    if (delta) assert.deepEqual(after.resourceNamesSubscribe, ['last']);
    else assert.equal(list(after.resourceNames).includes('last'), true);
    const mentioned = server.requests[0]!.flatMap((r) => list(delta ? r.resourceNamesSubscribe : r.resourceNames));
    assert.equal(mentioned.includes('blink'), false);
  });
}
