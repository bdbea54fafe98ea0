import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';
import { Recorder } from './fixtures/helpers.js';
import { MemoryRegistry, MemoryStore, sharedMemoryStore } from './index.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0.0' };
const reg = (service: ServiceKey, port: number, params: Record<string, string> = {}): Registration => ({
  service,
  endpoint: endpoint('dubbo', '10.0.0.1', port, params),
  methods: ['echo'],
});

describe('memory registry', () => {
  test('first delivery comes before subscribe resolves, even when empty', async () => {
    const r = new MemoryRegistry();
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [[]]);
    await r.register(reg(echo, 1));
    const rec2 = new Recorder();
    await r.subscribe(echo, rec2.listener);
    assert.deepEqual(rec2.addresses(), [['dubbo://10.0.0.1:1']]);
    await r.close();
  });

  test('delivers full sets on every change, never the same set twice', async () => {
    const r = new MemoryRegistry();
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    await r.register(reg(echo, 2));
    await r.register(reg(echo, 1));
    await r.register(reg(echo, 1)); // identical: no delivery
    await r.register(reg({ interface: 'demo.Other' }, 3)); // other service: no delivery
    await r.unregister(reg(echo, 9)); // never registered: no delivery
    await r.register(reg(echo, 1, { tag: 'gray' })); // same address, new params: a new set
    await r.unregister(reg(echo, 2));
    assert.deepEqual(rec.addresses(), [
      [],
      ['dubbo://10.0.0.1:2'],
      ['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:2'],
      ['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:2'],
      ['dubbo://10.0.0.1:1'],
    ]);
    assert.deepEqual(rec.sets[3]?.[0]?.params, { tag: 'gray' });
    assert.ok(Object.isFrozen(rec.sets[1]));
    await r.close();
  });

  test('matches interface, version and group exactly (undefined is not "")', async () => {
    const r = new MemoryRegistry();
    const keys: ServiceKey[] = [
      { interface: 'demo.Echo' },
      { interface: 'demo.Echo', version: '1.0.0' },
      { interface: 'demo.Echo', version: '' },
      { interface: 'demo.Echo', group: 'g1' },
      { interface: 'demo.Echo', group: '' },
      { interface: 'demo.Echo', version: '1.0.0', group: 'g1' },
      { interface: 'demo.echo' },
    ];
    const recs = keys.map(() => new Recorder());
    for (const [i, key] of keys.entries()) await r.subscribe(key, recs[i]!.listener);
    for (const [i, key] of keys.entries()) await r.register(reg(key, 100 + i));
    for (const [i, rec] of recs.entries()) assert.deepEqual(rec.addresses(), [[], [`dubbo://10.0.0.1:${100 + i}`]], JSON.stringify(keys[i]));
    await r.close();
  });

  test('unsubscribe stops deliveries', async () => {
    const r = new MemoryRegistry();
    const rec = new Recorder();
    const stop = await r.subscribe(echo, rec.listener);
    stop();
    stop(); // idempotent
    await r.register(reg(echo, 1));
    assert.equal(rec.count, 1);
    await r.close();
  });

  test('registries sharing a store see each other; close unregisters only its own', async () => {
    const store = new MemoryStore();
    const a = new MemoryRegistry({ store });
    const b = new MemoryRegistry({ store });
    const watcher = new MemoryRegistry({ store });
    const rec = new Recorder();
    await watcher.subscribe(echo, rec.listener);
    await a.register(reg(echo, 1));
    await b.register(reg(echo, 2));
    await b.register(reg(echo, 1)); // same address from two owners: one endpoint
    assert.deepEqual(rec.last, ['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:2']);
    await a.unregister(reg(echo, 2)); // not a's: nothing changes
    await a.close();
    assert.deepEqual(rec.last, ['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:2']); // b still has :1
    await b.close();
    assert.deepEqual(rec.last, []);
    assert.equal(rec.count, 4); // [], [:1], [:1, :2], []: close removes all of b's at once
    await watcher.close();
  });

  test('after close: its subscriptions stop, register and subscribe reject with SHUTDOWN', async () => {
    const store = new MemoryStore();
    const a = new MemoryRegistry({ store });
    const b = new MemoryRegistry({ store });
    const rec = new Recorder();
    await a.subscribe(echo, rec.listener);
    await a.close();
    await a.close();
    await b.register(reg(echo, 1));
    assert.equal(rec.count, 1);
    await assert.rejects(a.register(reg(echo, 1)), (e) => RpcError.is(e, Code.Shutdown));
    await assert.rejects(a.subscribe(echo, () => {}), (e) => RpcError.is(e, Code.Shutdown));
    await a.unregister(reg(echo, 1)); // resolves
    await b.close();
  });

  test('named stores are shared process-wide', async () => {
    assert.equal(sharedMemoryStore('orders'), sharedMemoryStore('orders'));
    const a = new MemoryRegistry({ store: 'orders' });
    const b = new MemoryRegistry({ store: 'orders' });
    const other = new MemoryRegistry();
    const rec = new Recorder();
    const recOther = new Recorder();
    await b.subscribe(echo, rec.listener);
    await other.subscribe(echo, recOther.listener);
    await a.register(reg(echo, 1));
    assert.deepEqual(rec.last, ['dubbo://10.0.0.1:1']);
    assert.deepEqual(recOther.last, []);
    await Promise.all([a.close(), b.close(), other.close()]);
  });

  test('a listener that registers re-entrantly does not make others receive a stale set', async () => {
    const r = new MemoryRegistry();
    let first = true;
    await r.subscribe(echo, (eps) => {
      if (eps.length === 1 && first) {
        first = false;
        void r.register(reg(echo, 2));
      }
    });
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    await r.register(reg(echo, 1));
    assert.deepEqual(rec.addresses(), [[], ['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:2']]);
    await r.close();
  });

  test('a throwing listener becomes a warning and does not stop other listeners', async () => {
    const r = new MemoryRegistry();
    await r.subscribe(echo, (eps) => {
      if (eps.length > 0) throw new Error('boom');
    });
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    const warned = once(process, 'warning');
    await r.register(reg(echo, 1));
    assert.deepEqual(rec.last, ['dubbo://10.0.0.1:1']);
    const [warning] = (await warned) as [Error & { code?: string }];
    assert.equal(warning.code, 'MESHLET_REGISTRY_LISTENER');
    await r.close();
  });

  test('rejects malformed registrations and service keys with INVALID_ARGUMENT', async () => {
    const r = new MemoryRegistry();
    const bad: unknown[] = [
      null,
      { service: { interface: '' }, endpoint: endpoint('dubbo', 'h', 1), methods: [] },
      { service: { interface: 'x', version: null }, endpoint: endpoint('dubbo', 'h', 1), methods: [] },
      { service: { interface: 'x' }, endpoint: { protocol: 'dubbo', host: 'h', port: 0, weight: 100, params: {} }, methods: [] },
      { service: { interface: 'x' }, endpoint: { protocol: 'dubbo', host: 'h', port: 1, weight: 100, params: { a: 1 } }, methods: [] },
    ];
    for (const b of bad) await assert.rejects(r.register(b as Registration), (e) => RpcError.is(e, Code.InvalidArgument));
    await assert.rejects(r.subscribe({ interface: 'x', group: 5 } as unknown as ServiceKey, () => {}), (e) => RpcError.is(e, Code.InvalidArgument));
    await r.close();
  });
});
