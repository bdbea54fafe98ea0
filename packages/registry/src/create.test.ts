import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Code, endpoint, endpointAddress, RpcError, type Registry } from '@meshlet/core';
import { Recorder } from './fixtures/helpers.js';
import { createRegistry, LocalRegistry, MemoryRegistry, registerRegistryScheme, registrySchemes, StaticRegistry } from './index.js';
import { createRegistry as createFromTable, registrySchemes as tableSchemes } from './create.js';
import { RedisRegistry } from './redis/registry.js';
import { ZookeeperRegistry } from './zookeeper/registry.js';

const echo = { interface: 'demo.Echo' };
const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);

describe('createRegistry', () => {
  test('memory: bare and memory:// are private, memory://name is shared', async () => {
    assert.ok(createRegistry('memory') instanceof MemoryRegistry);
    const p1 = createRegistry('memory://') as MemoryRegistry;
    const p2 = createRegistry('memory://') as MemoryRegistry;
    assert.notEqual(p1.store, p2.store);
    const n1 = createRegistry('memory://create-test') as MemoryRegistry;
    const n2 = createRegistry('MEMORY://create-test') as MemoryRegistry;
    assert.notEqual(n1, n2);
    assert.equal(n1.store, n2.store);
    assert.equal(n1.store.name, 'create-test');
    const rec = new Recorder();
    await n2.subscribe(echo, rec.listener);
    await n1.register({ service: echo, endpoint: endpoint('dubbo', 'h', 1), methods: [] });
    assert.deepEqual(rec.last, ['dubbo://h:1']);
    await Promise.all([p1.close(), p2.close(), n1.close(), n2.close()]);
  });

  test('static: list, protocol, shared params, schemes per entry, IPv6', () => {
    const a = createRegistry('static://10.0.0.1:20880, 10.0.0.2:20881?protocol=dubbo&serialization=hessian2&weight=7') as StaticRegistry;
    assert.ok(a instanceof StaticRegistry);
    assert.deepEqual(a.endpoints.map(endpointAddress), ['dubbo://10.0.0.1:20880', 'dubbo://10.0.0.2:20881']);
    assert.deepEqual(a.endpoints[0]?.params, { serialization: 'hessian2', weight: '7' });
    assert.equal(a.endpoints[1]?.weight, 7);
    const b = createRegistry('static://bolt://10.0.0.1:12200,dubbo://[::1]:20880') as StaticRegistry;
    assert.deepEqual(b.endpoints.map(endpointAddress), ['bolt://10.0.0.1:12200', 'dubbo://[::1]:20880']);
    const c = createRegistry('static://bolt://10.0.0.1:12200,dubbo://10.0.0.2:20880?protocol=bolt') as StaticRegistry;
    assert.deepEqual(c.endpoints.map(endpointAddress), ['bolt://10.0.0.1:12200']);
    assert.throws(() => createRegistry('static://'), invalid);
    assert.throws(() => createRegistry('static://10.0.0.1:20880'), invalid); // no protocol anywhere
    assert.throws(() => createRegistry('static://10.0.0.1:x?protocol=dubbo'), invalid);
    assert.throws(() => createRegistry('static://10.0.0.1:1?protocol=not%20a%20scheme'), invalid);
  });

  test('local: bare, local://, local:///dir', async () => {
    const dir = path.join(os.tmpdir(), 'meshlet-create-test');
    for (const url of ['local', 'local:', 'local://']) {
      const r = createRegistry(url);
      assert.ok(r instanceof LocalRegistry, url);
      await r.close();
    }
    const r = createRegistry(`local://${dir}`) as LocalRegistry;
    assert.equal(r.dir, dir);
    assert.equal((createRegistry('local:///tmp/a%20b') as LocalRegistry).dir, '/tmp/a b');
    assert.throws(() => createRegistry('local://relative/dir'), invalid);
    assert.throws(() => createRegistry('local:///tmp/x?poll=1'), invalid);
    await r.close();
  });

  test('local: MESHLET_LOCAL_REGISTRY_DIR sets the default directory', async () => {
    const saved = process.env.MESHLET_LOCAL_REGISTRY_DIR;
    process.env.MESHLET_LOCAL_REGISTRY_DIR = '/tmp/meshlet-env-dir';
    try {
      assert.equal((createRegistry('local') as LocalRegistry).dir, '/tmp/meshlet-env-dir');
    } finally {
      if (saved === undefined) delete process.env.MESHLET_LOCAL_REGISTRY_DIR;
      else process.env.MESHLET_LOCAL_REGISTRY_DIR = saved;
    }
    assert.match((createRegistry('local') as LocalRegistry).dir, /meshlet-registry-/);
  });

  test('unknown schemes are INVALID_ARGUMENT naming the scheme and nothing else', () => {
    assert.throws(
      () => createRegistry('consul://:s3cret@10.0.0.1:8500'),
      (e) => invalid(e) && /"consul"/.test((e as Error).message) && !(e as Error).message.includes('s3cret'),
    );
    assert.throws(() => createRegistry('etcd://x'), (e) => invalid(e) && /"etcd"/.test((e as Error).message));
    assert.throws(() => createRegistry(''), invalid);
    assert.throws(() => createRegistry('10.0.0.1:20880'), invalid);
    assert.throws(() => createRegistry({} as Registry), invalid);
  });

  test('registerRegistryScheme plugs a scheme in; a Registry passes through', async () => {
    const made: string[] = [];
    registerRegistryScheme('Fake', (url) => {
      made.push(url);
      return new MemoryRegistry();
    });
    assert.ok(registrySchemes().includes('fake'));
    const r = createRegistry('fake://host:1/path');
    assert.deepEqual(made, ['fake://host:1/path']);
    assert.equal(createRegistry(r), r);
    assert.throws(() => registerRegistryScheme('1bad', () => r), invalid);
    await r.close();
  });

  test('redis and zookeeper schemes are entries of the table itself, not registered by importing a module', async () => {
    for (const scheme of ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'redis+cluster', 'rediss+cluster', 'zookeeper', 'zk']) {
      assert.ok(tableSchemes().includes(scheme), scheme);
    }
    const redis = createFromTable('redis://127.0.0.1:1');
    const zk = createFromTable('zk://127.0.0.1:1');
    assert.ok(redis instanceof RedisRegistry);
    assert.ok(zk instanceof ZookeeperRegistry);
    await Promise.all([redis.close(), zk.close()]);
  });
});
