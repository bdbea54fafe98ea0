// The Redis registry against real redis-server processes (single, Sentinel, Cluster) on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';
import { Child, Recorder, sleep, waitFor } from './fixtures/helpers.js';
import { RedisRegistry } from './index.js';
import { serviceKeys } from './redis/keys.js';
import { freePort, RedisCluster, RedisSentinel, RedisServer } from './testing/index.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0.0' };
const reg = (service: ServiceKey, port: number, protocol = 'dubbo'): Registration => ({ service, endpoint: endpoint(protocol, '127.0.0.1', port), methods: ['echo'] });

let server: RedisServer;
const open: RedisRegistry[] = [];
/** A registry closed after the suite whatever happens. */
function registry(query = ''): RedisRegistry {
  const r = new RedisRegistry(`${server.url}${query}`);
  open.push(r);
  return r;
}

before(async () => {
  server = await RedisServer.start();
});
after(async () => {
  await Promise.allSettled(open.map((r) => r.close()));
  await server?.close();
});

// Bounds on deliveries are generous (a loaded CI machine can stall a second or two); where one must
// stay below another mechanism's delay to mean something (the periodic read, a lease lapsing), that
// mechanism is set far off or the bound stays under it, as commented.
describe('redis registry, one process', () => {
  test('register, unregister and close reach another instance at once', async (t) => {
    const provider = registry();
    const consumer = registry('?refresh=60000'); // only the change messages can deliver within the bounds
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [[]]);
    let t0 = performance.now();
    await provider.register(reg(echo, 20880));
    const seen = (await rec.until((a) => a.length === 1, 5000, 'registration')) - t0;
    t0 = performance.now();
    await provider.unregister(reg(echo, 20880));
    const gone = (await rec.until((a) => a.length === 0, 5000, 'unregistration')) - t0;
    await provider.register(reg(echo, 20880));
    await provider.register(reg(echo, 20881));
    await rec.until((a) => a.length === 2, 5000, 'two registrations');
    t0 = performance.now();
    await provider.close();
    const closed = (await rec.until((a) => a.length === 0, 5000, 'close')) - t0; // the lease is 10 s
    t.diagnostic(`register → subscriber ${seen.toFixed(1)} ms, unregister ${gone.toFixed(1)} ms, close ${closed.toFixed(1)} ms`);
    const seq = rec.addresses();
    assert.deepEqual(seq.slice(0, 3), [[], ['dubbo://127.0.0.1:20880'], []]);
    assert.deepEqual(seq.at(-2), ['dubbo://127.0.0.1:20880', 'dubbo://127.0.0.1:20881']);
    assert.deepEqual(seq.at(-1), []);
    await assert.rejects(provider.register(reg(echo, 1)), (e) => RpcError.is(e, Code.Shutdown));
    await provider.unregister(reg(echo, 1));
  });

  test('exact keys; re-registering replaces params; two owners keep two entries', async () => {
    const a = registry();
    const b = registry();
    const recNoVersion = new Recorder();
    const recEmptyGroup = new Recorder();
    const rec = new Recorder();
    await a.subscribe({ interface: 'demo.Echo' }, recNoVersion.listener);
    await a.subscribe({ interface: 'demo.Echo', version: '1.0.0', group: '' }, recEmptyGroup.listener);
    await a.subscribe(echo, rec.listener);
    await a.register(reg(echo, 20900));
    await b.register(reg(echo, 20900));
    await rec.until((x) => x.length === 1, 5000, 'registration');
    await a.register({ ...reg(echo, 20900), endpoint: endpoint('dubbo', '127.0.0.1', 20900, { tag: 'blue' }, 50) });
    await waitFor(() => rec.sets.at(-1)?.[0]?.params.tag === 'blue' || rec.sets.at(-1)?.[0]?.weight === 100, 5000, 'a set after re-registration');
    await a.unregister(reg(echo, 20900));
    await sleep(100);
    assert.deepEqual(rec.last, ['dubbo://127.0.0.1:20900'], "b's entry stays");
    await b.close();
    await rec.until((x) => x.length === 0, 5000, "b's close");
    assert.deepEqual(recNoVersion.addresses(), [[]]);
    assert.deepEqual(recEmptyGroup.addresses(), [[]]);
  });

  test('a lost change message heals with the periodic read; foreign and hostile entries are ignored', async () => {
    const consumer = registry('?refresh=300');
    const rec = new Recorder();
    const service = { interface: 'demo.Quiet' };
    await consumer.subscribe(service, rec.listener);
    const keys = serviceKeys('meshlet', service);
    const raw = new Redis({ port: server.port, host: '127.0.0.1', protocol: 2 });
    try {
      const entry = (port: number, svc: ServiceKey, params: Record<string, unknown> = {}) =>
        JSON.stringify({ format: 'meshlet-redis-registry/1', service: svc, endpoint: { protocol: 'dubbo', host: '127.0.0.1', port, weight: 100, params }, methods: [] });
      const deadline = Date.now() + 60_000;
      // Written behind the registry's back, no PUBLISH: only the periodic read can find these.
      await raw
        .multi()
        .hset(keys.entries, 'x 1', entry(30001, service), 'x 2', 'garbage', 'x 3', entry(30003, { interface: 'demo.Other' }), 'x 4', entry(30004, service, { a: 1 }))
        .hset(keys.entries, 'x 5', entry(30005, service).replace('"params":{}', '"params":{"__proto__":{"polluted":"1"}}'))
        .zadd(keys.leases, deadline, 'x 1', deadline, 'x 2', deadline, 'x 3', deadline, 'x 4', deadline, 'x 5')
        .hset(keys.meta, 'epoch', 'hand-written', 'n', 1)
        .exec();
      // Only the periodic read can find them: without it nothing arrives at all.
      await rec.until((a) => a.length > 0, 10_000, 'the periodic read');
      assert.deepEqual(rec.last, ['dubbo://127.0.0.1:30001']);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      raw.disconnect();
    }
  });

  test('after a Redis restart (all data lost) subscribers never see an empty set, and providers restore their entries', async (t) => {
    const provider = registry('?lease=1500');
    const consumer = registry('?lease=1500&refresh=200');
    const late = registry();
    const rec = new Recorder();
    await consumer.subscribe({ interface: 'demo.Restart' }, rec.listener);
    await provider.register(reg({ interface: 'demo.Restart' }, 31000));
    await rec.until((a) => a.length === 1, 5000, 'registration');
    await server.stop();
    await sleep(2000); // longer than the lease: every entry would have lapsed
    await server.restart();
    // The consumer reconnects and reads while the provider may not have renewed yet: the grace keeps the entry.
    await sleep(2500);
    assert.ok(rec.sets.every((s, i) => i === 0 || s.length === 1), `no empty set after the first: ${JSON.stringify(rec.addresses())}`);
    // Restored in Redis: a new subscriber finds the provider.
    const rec2 = new Recorder();
    await late.subscribe({ interface: 'demo.Restart' }, rec2.listener);
    await rec2.until((a) => a.length === 1, 10_000, 'the restored entry');
    // A clean stop during the grace still reaches subscribers at once (tombstone).
    await server.stop();
    await sleep(300);
    await server.restart();
    await sleep(1000);
    const t0 = performance.now();
    await provider.unregister(reg({ interface: 'demo.Restart' }, 31000));
    const gone = (await rec.until((a) => a.length === 0, 3000, 'unregister during grace')) - t0;
    t.diagnostic(`unregister during the post-restart grace reached the subscriber in ${gone.toFixed(1)} ms`);
  });

  test('Redis unreachable at start: register rejects UNAVAILABLE but is written once Redis is up; subscribe resolves empty, then delivers', async () => {
    const port = await freePort();
    const provider = new RedisRegistry(`redis://127.0.0.1:${port}?timeout=300`);
    const consumer = new RedisRegistry(`redis://127.0.0.1:${port}?timeout=300`);
    let late: RedisServer | undefined;
    try {
      const t0 = performance.now();
      await assert.rejects(provider.register(reg(echo, 32000)), (e) => RpcError.is(e, Code.Unavailable));
      const failedAfter = performance.now() - t0;
      assert.ok(failedAfter < 3000, `failed after ${failedAfter.toFixed(0)} ms: the URL's timeout (300 ms), not the default 5 s`);
      const rec = new Recorder();
      await consumer.subscribe(echo, rec.listener);
      assert.deepEqual(rec.addresses(), [[]]);
      late = await RedisServer.start({ port });
      await rec.until((a) => a.length === 1, 5000, 'the failback registration');
    } finally {
      await provider.close();
      await consumer.close();
      await late?.close();
    }
  });
});

describe('redis registry, across processes', () => {
  test('a child provider is found; close removes it at once; SIGKILL removes it within the lease', async (t) => {
    // A periodic read far off: only the change message (close) and the lease timer (SIGKILL) can
    // deliver within the bounds below.
    const consumer = registry('?refresh=60000');
    const rec = new Recorder();
    const service = { interface: 'demo.Child', version: '1.0.0' };
    await consumer.subscribe(service, rec.listener);
    const lease = 3000; // renewed every 1 s: a close not deleted would lapse 2 s or more after it
    const url = `${server.url}?lease=${lease}`;
    const a = new Child('./registry-child.js', [url, '33001', 'dubbo', 'demo.Child']);
    const b = new Child('./registry-child.js', [url, '33002', 'dubbo', 'demo.Child']);
    try {
      await Promise.all([a.line('READY', 10_000), b.line('READY', 10_000)]);
      await rec.until((x) => x.length === 2, 10_000, 'both children');
      let t0 = performance.now();
      a.send('close');
      await a.line('CLOSED', 5000);
      const closed = (await rec.until((x) => x.length === 1, 5000, 'clean close')) - t0;
      assert.deepEqual((await a.exit(5000)).code, 0, 'the child exits by itself after close');
      t0 = performance.now();
      b.process.kill('SIGKILL');
      const killed = (await rec.until((x) => x.length === 0, lease + 10_000, 'SIGKILLed child to lapse')) - t0;
      t.diagnostic(`close → gone in ${closed.toFixed(0)} ms; SIGKILL → gone in ${killed.toFixed(0)} ms (lease ${lease} ms)`);
      assert.ok(closed < 2000, `close → gone in ${closed.toFixed(0)} ms: the delete, before any lapse`);
      assert.ok(killed <= lease + 2500, `SIGKILL → gone in ${killed.toFixed(0)} ms: the lease timer, not a periodic read`);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('a process that used the registry exits by itself after close()', async () => {
    const child = new Child('./exit-remote-child.js', [server.url]);
    try {
      assert.deepEqual(await child.exit(10_000), { code: 0, signal: null });
      assert.deepEqual(child.lines, ['DONE']);
    } finally {
      child.dispose();
    }
  });
});

describe('redis registry on Sentinel and Cluster', () => {
  test('Sentinel: found through the master name', async () => {
    const sentinel = await RedisSentinel.start(server.port, 'mymaster');
    const url = `redis+sentinel://127.0.0.1:${sentinel.port}/mymaster`;
    const a = new RedisRegistry(url);
    const b = new RedisRegistry(url);
    try {
      const rec = new Recorder();
      await b.subscribe({ interface: 'demo.Sentinel' }, rec.listener);
      await a.register(reg({ interface: 'demo.Sentinel' }, 34000));
      await rec.until((x) => x.length === 1, 10_000, 'registration through Sentinel');
      await a.close();
      await rec.until((x) => x.length === 0, 10_000, 'close through Sentinel');
    } finally {
      await a.close();
      await b.close();
      await sentinel.close();
    }
  });

  test('Cluster: services spread over slots; changes, lease expiry and pub/sub across nodes', async () => {
    const cluster = await RedisCluster.start(3);
    const a = new RedisRegistry(`${cluster.url}?lease=1000`);
    const b = new RedisRegistry(`${cluster.url}?refresh=60000`); // only messages and lease timers deliver
    try {
      const services = Array.from({ length: 6 }, (_, i) => ({ interface: `demo.Cluster${i}`, version: '1.0.0' }));
      const recs = services.map(() => new Recorder());
      await Promise.all(services.map((s, i) => b.subscribe(s, recs[i]!.listener)));
      await Promise.all(services.map((s, i) => a.register(reg(s, 35000 + i))));
      await Promise.all(recs.map((r, i) => r.until((x) => x.length === 1 && x[0] === `dubbo://127.0.0.1:${35000 + i}`, 10_000, `service ${i}`)));
      // The services' keys really live on different masters.
      const probe = new Redis({ port: cluster.nodes[0]!.port, host: '127.0.0.1', protocol: 2 });
      const slots = await Promise.all(services.map((s) => probe.call('CLUSTER', 'KEYSLOT', serviceKeys('meshlet', s).entries) as Promise<number>));
      probe.disconnect();
      const per = Math.ceil(16384 / 3);
      assert.ok(new Set(slots.map((s) => Math.floor(s / per))).size > 1, `slots ${slots.join(',')} all on one node`);
      // A provider process killed with SIGKILL lapses within its lease on Cluster too.
      const child = new Child('./registry-child.js', [`${cluster.url}?lease=1000`, '35100', 'dubbo', 'demo.Cluster5']);
      try {
        await child.line('READY', 10_000);
        await recs[5]!.until((x) => x.length === 2, 10_000, 'the child on Cluster');
        const t0 = performance.now();
        child.process.kill('SIGKILL');
        await recs[5]!.until((x) => x.length === 1, 10_000, 'the SIGKILLed child to lapse');
        const lapsed = performance.now() - t0;
        assert.ok(lapsed <= 1000 + 2500, `lapsed ${lapsed.toFixed(0)} ms after SIGKILL (lease 1000 ms)`);
      } finally {
        child.dispose();
      }
      await a.unregister(reg(services[0]!, 35000));
      await recs[0]!.until((x) => x.length === 0, 5000, 'unregister on Cluster');
    } finally {
      await a.close();
      await b.close();
      await cluster.close();
    }
  });
});
