import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, RpcError, type ServiceKey } from '@meshlet/core';
import { createRegistry, parseRedisUrl, RedisRegistry, registrySchemes } from './index.js';
import { serviceKeys } from './redis/keys.js';
import { decodeEntry, encodeEntry } from './redis/entry.js';
import { endpoint } from '@meshlet/core';

const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);
/** The error is INVALID_ARGUMENT and its message does not leak the secret. */
const invalidNoSecret = (secret: string) => (e: unknown) => invalid(e) && !(e as Error).message.includes(secret);

describe('redis registry URLs', () => {
  test('single server: host, port, db, credentials, options', () => {
    const { target, options } = parseRedisUrl('redis://app:p%40ss@10.0.0.5:6380/2?lease=3000&renew=1000&refresh=2000&timeout=1500&prefix=prod');
    assert.deepEqual(target, { mode: 'single', host: '10.0.0.5', port: 6380, db: 2, username: 'app', password: 'p@ss', tls: false });
    assert.deepEqual(options, { leaseMs: 3000, renewMs: 1000, refreshMs: 2000, timeoutMs: 1500, prefix: 'prod' });
    assert.deepEqual(parseRedisUrl('redis://h').target, { mode: 'single', host: 'h', port: 6379, db: undefined, username: undefined, password: undefined, tls: false });
    assert.equal(parseRedisUrl('rediss://:pw@h').target.tls, true);
    assert.equal(parseRedisUrl('redis://:pw@h').target.password, 'pw');
    assert.deepEqual(parseRedisUrl('redis://[::1]:7000').target, { mode: 'single', host: '::1', port: 7000, db: undefined, username: undefined, password: undefined, tls: false });
  });

  test('sentinel: host list, master name, db, sentinel credentials', () => {
    const { target } = parseRedisUrl('redis+sentinel://:pw@s1:26379,s2,[::1]:26380/mymaster/3?sentinelPassword=spw');
    assert.deepEqual(target, {
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }, { host: '::1', port: 26380 }],
      name: 'mymaster',
      db: 3,
      sentinelUsername: undefined,
      sentinelPassword: 'spw',
      username: undefined,
      password: 'pw',
      tls: false,
    });
    assert.throws(() => parseRedisUrl('redis+sentinel://s1:26379'), invalid);
  });

  test('cluster: seed nodes, no path', () => {
    const { target } = parseRedisUrl('redis+cluster://n1:7000,n2:7001');
    assert.deepEqual(target, { mode: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], username: undefined, password: undefined, tls: false });
    assert.throws(() => parseRedisUrl('redis+cluster://n1:7000/0'), invalid);
  });

  test('bad URLs are INVALID_ARGUMENT and never echo the password', () => {
    const secret = 'hunter2';
    for (const url of [
      `redis://:${secret}@h:notaport`,
      `redis://:${secret}@h1:1,h2:2`,
      `redis://:${secret}@h/x`,
      `redis://:${secret}@h?lease=-1`,
      `redis://:${secret}@h?lease=abc`,
      `redis://:${secret}@h?bogus=1`,
      `redis://:${secret}@h?prefix=a{b}`,
      `redis://:${secret}@h?lease=1000&renew=2000`,
      `redis://:${secret}@:6379`,
      `redis://:%zz${secret}@h`,
      `redis+nope://:${secret}@h`,
    ]) {
      assert.throws(() => new RedisRegistry(url), invalidNoSecret(secret), url.replace(secret, '***'));
    }
  });

  test('createRegistry knows every Redis scheme; construction does not connect', async () => {
    for (const s of ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'redis+cluster', 'rediss+cluster']) assert.ok(registrySchemes().includes(s), s);
    const r = createRegistry('redis://127.0.0.1:1?timeout=200');
    assert.ok(r instanceof RedisRegistry);
    assert.equal((r as RedisRegistry).settings.leaseMs, 10_000);
    assert.equal((r as RedisRegistry).settings.renewMs, 10_000 / 3);
    await r.close();
    assert.ok(createRegistry('redis+sentinel://h:26379/m') instanceof RedisRegistry);
    assert.ok(createRegistry('REDIS+CLUSTER://h:7000') instanceof RedisRegistry);
  });
});

describe('redis registry keys and entries', () => {
  test('one hash tag per exact service key: unset and empty stay apart, braces cannot escape', () => {
    const k = (s: ServiceKey) => serviceKeys('meshlet', s);
    assert.deepEqual(k({ interface: 'demo.Echo', version: '1.0' }), {
      tag: 'demo.Echo,=1.0,',
      entries: 'meshlet:{demo.Echo,=1.0,}:entries',
      leases: 'meshlet:{demo.Echo,=1.0,}:leases',
      meta: 'meshlet:{demo.Echo,=1.0,}:meta',
      gone: 'meshlet:{demo.Echo,=1.0,}:gone',
      channel: 'meshlet:{demo.Echo,=1.0,}:changed',
    });
    const tags = new Set([
      k({ interface: 'a' }).tag,
      k({ interface: 'a', version: '' }).tag,
      k({ interface: 'a', group: '' }).tag,
      k({ interface: 'a', version: '', group: '' }).tag,
      k({ interface: 'a,=', version: undefined }).tag,
    ]);
    assert.equal(tags.size, 5);
    assert.equal(k({ interface: 'x}{y' }).tag, 'x%7D%7By,,');
  });

  test('entries round-trip; foreign, oversized and hostile values are ignored', () => {
    const reg = { service: { interface: 'demo.Echo', version: '1.0' }, endpoint: endpoint('dubbo', '10.0.0.1', 20880, { a: 'b' }), methods: ['echo'], application: 'app' };
    const back = decodeEntry(encodeEntry(reg, 'me'));
    assert.deepEqual(back?.service, reg.service);
    assert.equal(back?.endpoint.port, 20880);
    assert.equal(back?.endpoint.params.a, 'b');
    assert.equal(decodeEntry('{"format":"other"}'), undefined);
    assert.equal(decodeEntry('not json'), undefined);
    assert.equal(decodeEntry('x'.repeat(70_000)), undefined);
    const hostile = JSON.stringify({
      format: 'meshlet-redis-registry/1',
      service: { interface: 'demo.Echo' },
      endpoint: { protocol: 'dubbo', host: 'h', port: 1, weight: 100, params: { __proto__: { polluted: 'yes' }, constructor: 'x' } },
      methods: [],
    }).replace('"params":{', '"params":{"__proto__":{"polluted":"yes"},');
    const e = decodeEntry(hostile);
    // Either rejected (non-string param) or kept as plain keys; never a polluted prototype.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    if (e) assert.equal(Object.getPrototypeOf(e.endpoint.params), Object.prototype);
  });
});
