// The nacos registry over Nacos 2.x's gRPC API (`?api=grpc`, nacos/grpc/) against a real
// Nacos-protocol server (r-nacos, see testing/nacos-server.ts). Subscribers here read periodically
// only once a minute (`refresh=60000`): whatever they see within the test's bounds came by push.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';
import { Child, Recorder, sleep } from './fixtures/helpers.js';
import { NacosRegistry } from './index.js';
import { freePort, NacosServer, nacosServerMissing } from './testing/index.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0.0' };
const reg = (service: ServiceKey, port: number, protocol = 'dubbo', weight = 100): Registration => ({
  service, endpoint: endpoint(protocol, '127.0.0.1', port, {}, weight), methods: ['echo'],
});
const skip = nacosServerMissing();
/** No periodic read within a test: a change seen came by push. */
const PUSH_ONLY = 'api=grpc&refresh=60000';

describe('nacos registry over gRPC against a real server', { skip }, () => {
  let server: NacosServer;
  const open: NacosRegistry[] = [];
  const registry = (url: string): NacosRegistry => {
    const r = new NacosRegistry(url);
    open.push(r);
    return r;
  };

  before(async () => {
    // Nacos' default health timeouts (15 s unhealthy, 30 s deleted): an instance gone sooner went with its connection.
    server = await NacosServer.start();
  });
  after(async () => {
    await Promise.allSettled(open.map((r) => r.close()));
    await server?.close();
  });

  test('register, unregister and close reach a push subscriber in another instance, far below refresh', async (t) => {
    const provider = registry(server.url(`?${PUSH_ONLY}`));
    const consumer = registry(server.url(`?${PUSH_ONLY}`));
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [[]]);
    let t0 = performance.now();
    await provider.register(reg(echo, 20880, 'dubbo', 40));
    const seen = (await rec.until((a) => a.length === 1, 5000, 'registration by push')) - t0;
    const e = rec.sets.at(-1)?.[0];
    assert.equal(e?.weight, 40);
    assert.equal(e?.params.interface, 'demo.Echo');
    assert.equal(e?.params.side, 'provider');
    t0 = performance.now();
    await provider.unregister(reg(echo, 20880));
    const gone = (await rec.until((a) => a.length === 0, 5000, 'unregistration by push')) - t0;
    await provider.register(reg(echo, 20880));
    await rec.until((a) => a.length === 1, 5000, 'registered again');
    t0 = performance.now();
    await provider.close();
    const closed = (await rec.until((a) => a.length === 0, 5000, 'close by push')) - t0;
    t.diagnostic(`push: register → subscriber ${seen.toFixed(0)} ms, unregister ${gone.toFixed(0)} ms, close ${closed.toFixed(0)} ms (refresh 60 000 ms)`);
  });

  test('two ports of one service from one connection (dubbo and tri) are both kept, and one leaves alone', async () => {
    const provider = registry(server.url(`?${PUSH_ONLY}`));
    const consumer = registry(server.url(`?${PUSH_ONLY}`));
    const svc: ServiceKey = { interface: 'demo.Both' };
    const rec = new Recorder();
    await consumer.subscribe(svc, rec.listener);
    await provider.register(reg(svc, 20890, 'dubbo'));
    await provider.register(reg(svc, 20891, 'tri'));
    await rec.until((a) => a.length === 2, 5000, 'both instances');
    assert.deepEqual(rec.last?.sort(), ['dubbo://127.0.0.1:20890', 'tri://127.0.0.1:20891']);
    await provider.unregister(reg(svc, 20890, 'dubbo'));
    await rec.until((a) => a.length === 1, 5000, 'one left');
    assert.deepEqual(rec.last, ['tri://127.0.0.1:20891']);
  });

  test('SOFA naming (bolt) over gRPC: a bolt subscriber finds a bolt provider by push', async () => {
    const svc: ServiceKey = { interface: 'demo.Sofa', version: '1.0' };
    const provider = registry(server.url(`?${PUSH_ONLY}`));
    const consumer = registry(server.url(`?${PUSH_ONLY}`));
    const rec = new Recorder();
    await consumer.subscribe(svc, rec.listener, { protocol: 'bolt' });
    await provider.register(reg(svc, 12200, 'bolt'));
    await rec.until((a) => a.includes('bolt://127.0.0.1:12200'), 5000, 'bolt provider by push');
  });

  test('a provider process killed: its instance is gone when its connection closes', async (t) => {
    const consumer = registry(server.url(`?${PUSH_ONLY}`));
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    const child = new Child('./registry-child.js', [server.url('?api=grpc'), '20900']);
    try {
      await child.line('READY', 15_000);
      await rec.until((a) => a.includes('dubbo://127.0.0.1:20900'), 5000, 'child registration');
      const t0 = performance.now();
      child.process.kill('SIGKILL');
      const gone = (await rec.until((a) => !a.includes('dubbo://127.0.0.1:20900'), 12_000, 'killed provider to disappear')) - t0;
      t.diagnostic(`killed provider gone after ${gone.toFixed(0)} ms (no beats; server health timeout 15 s)`);
      // Sooner than any health timeout could drop it: it went with its connection.
      assert.ok(gone < 12_000);
    } finally {
      child.dispose();
    }
  });

  test('server killed and restarted: re-register and re-subscribe on the new connection, no empty list within the grace', async (t) => {
    const provider = registry(server.url('?api=grpc&timeout=1000'));
    const consumer = registry(server.url(`?${PUSH_ONLY}&timeout=1000`));
    const svc: ServiceKey = { interface: 'demo.Restart' };
    const rec = new Recorder();
    await consumer.subscribe(svc, rec.listener);
    await provider.register(reg(svc, 20920));
    await rec.until((a) => a.includes('dubbo://127.0.0.1:20920'), 5000, 'registration');
    const before = rec.count;
    await server.kill();
    await sleep(1500); // connections lost, reconnects refused
    assert.equal(rec.count, before, 'an outage does not change what subscribers hold');
    await server.restart();
    const t0 = performance.now();
    // Registered again by the provider's redo: a fresh client finds it, metadata and all.
    const fresh = registry(server.url(`?${PUSH_ONLY}`));
    const after = new Recorder();
    await fresh.subscribe(svc, after.listener);
    const back = (await after.until((a) => a.includes('dubbo://127.0.0.1:20920'), 15_000, 'registration restored')) - t0;
    assert.equal(after.sets.at(-1)?.find((e) => e.port === 20920)?.params.interface, 'demo.Restart');
    // Subscribed again by the consumer's redo: a new provider reaches it by push.
    const late = registry(server.url('?api=grpc'));
    const t1 = performance.now();
    await late.register(reg(svc, 20921));
    const pushed = (await rec.until((a) => a.includes('dubbo://127.0.0.1:20921'), 15_000, 'push after the restart')) - t1;
    t.diagnostic(`restart ready in ${server.startedInMs.toFixed(0)} ms; instance back ${back.toFixed(0)} ms after; a new registration pushed in ${pushed.toFixed(0)} ms`);
    assert.ok(rec.addresses().slice(before - 1).every((a) => a.length > 0), `no empty list delivered: ${JSON.stringify(rec.addresses())}`);
    await provider.close();
    await late.close();
  });

  test('128 registrations and 128 subscriptions in flight on one connection each: all acknowledged, seen by push, gone on close', async (t) => {
    const provider = registry(server.url(`?${PUSH_ONLY}&timeout=10000`));
    const consumer = registry(server.url(`?${PUSH_ONLY}&timeout=10000`));
    const keys = Array.from({ length: 128 }, (_, i): ServiceKey => ({ interface: `demo.Load${i}` }));
    const recs = keys.map(() => new Recorder());
    let t0 = performance.now();
    await Promise.all(keys.map((k, i) => consumer.subscribe(k, (recs[i] as Recorder).listener)));
    const subscribed = performance.now() - t0;
    t0 = performance.now();
    await Promise.all(keys.map((k, i) => provider.register(reg(k, 21000 + i))));
    const registered = performance.now() - t0;
    await Promise.all(recs.map((r, i) => r.until((a) => a.includes(`dubbo://127.0.0.1:${21000 + i}`), 15_000, `load service ${i}`)));
    const seen = performance.now() - t0;
    t0 = performance.now();
    await provider.close();
    await Promise.all(recs.map((r, i) => r.until((a) => a.length === 0, 15_000, `load service ${i} gone`)));
    t.diagnostic(`128 subscribes ${subscribed.toFixed(0)} ms, 128 registers ${registered.toFixed(0)} ms, all pushed by ${seen.toFixed(0)} ms, all gone ${(performance.now() - t0).toFixed(0)} ms after close`);
  });

  test('server killed with 128 registrations in flight: each settles (acknowledged or a typed error) within the timeout', async (t) => {
    const provider = registry(server.url('?api=grpc&timeout=2000'));
    await provider.register(reg({ interface: 'demo.Warm' }, 21500)); // connected
    const t0 = performance.now();
    const calls = Array.from({ length: 128 }, (_, i) => provider.register(reg({ interface: `demo.Killed${i}` }, 21600 + i)));
    await server.kill();
    const settled = await Promise.allSettled(calls);
    const took = performance.now() - t0;
    const codes = new Map<string, number>();
    for (const r of settled) {
      const code = r.status === 'fulfilled' ? 'ok' : r.reason instanceof RpcError ? r.reason.code : `untyped ${String(r.reason)}`;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    t.diagnostic(`settled in ${took.toFixed(0)} ms: ${JSON.stringify(Object.fromEntries(codes))}`);
    for (const code of codes.keys()) assert.ok(['ok', Code.Unavailable, Code.Timeout, Code.ConnectionClosed, Code.Serialization].includes(code), code);
    assert.ok(took < 2000 + 3000, `settled within the timeout (${took.toFixed(0)} ms)`);
    await server.restart();
    // What was wanted is written once a connection is back (the redo).
    const fresh = registry(server.url(`?${PUSH_ONLY}`));
    const rec = new Recorder();
    await fresh.subscribe({ interface: 'demo.Killed127' }, rec.listener);
    await rec.until((a) => a.includes('dubbo://127.0.0.1:21727'), 15_000, 'the redo after the restart');
    await provider.close();
  });

  test('no server: register and subscribe refuse with UNAVAILABLE within the timeout', async () => {
    const port = await freePort();
    const r = registry(`nacos://127.0.0.1:${port}?api=grpc&timeout=500`);
    const t0 = performance.now();
    await assert.rejects(r.register(reg(echo, 20940)), (e) => RpcError.is(e, Code.Unavailable));
    assert.ok(performance.now() - t0 < 3000);
    await r.close();
    await assert.rejects(r.register(reg(echo, 20940)), (e) => RpcError.is(e, Code.Shutdown) || RpcError.is(e, Code.Unavailable));
  });
});

test('api is http or grpc', () => {
  assert.equal(new NacosRegistry('nacos://127.0.0.1:8848?api=grpc').settings.api, 'grpc');
  assert.equal(new NacosRegistry('nacos://127.0.0.1:8848').settings.api, 'http');
  assert.throws(() => new NacosRegistry('nacos://127.0.0.1:8848?api=grpcs'), (e) => RpcError.is(e, Code.InvalidArgument));
});

describe('nacos registry over gRPC with auth on', { skip }, () => {
  let server: NacosServer;
  const open: NacosRegistry[] = [];
  before(async () => {
    server = await NacosServer.start({ auth: { username: 'meshlet', password: 'meshlet-secret' } });
  });
  after(async () => {
    await Promise.allSettled(open.map((r) => r.close()));
    await server?.close();
  });

  test('username/password log in and the token goes in the accessToken header; none or a wrong one is PERMISSION_DENIED', async () => {
    const anonymous = new NacosRegistry(server.url('?api=grpc&timeout=5000'));
    const wrong = new NacosRegistry(server.url('?api=grpc&username=meshlet&password=nope&timeout=5000'));
    const good = new NacosRegistry(`nacos://meshlet:meshlet-secret@127.0.0.1:${server.port}?${PUSH_ONLY}&timeout=5000`);
    open.push(anonymous, wrong, good);
    await assert.rejects(anonymous.register(reg(echo, 20930)), (e) => RpcError.is(e, Code.PermissionDenied));
    await assert.rejects(wrong.register(reg(echo, 20930)), (e) => RpcError.is(e, Code.PermissionDenied));
    const rec = new Recorder();
    await good.subscribe(echo, rec.listener);
    await good.register(reg(echo, 20930));
    await rec.until((a) => a.includes('dubbo://127.0.0.1:20930'), 5000, 'registration with auth, by push');
  });
});
