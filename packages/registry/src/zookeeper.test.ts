// The ZooKeeper registry against a real ZooKeeper (Debian's, started by the test) on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zookeeper from 'node-zookeeper-client';
import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';
import { Child, Recorder, sleep, waitFor } from './fixtures/helpers.js';
import { javaUrlDecode, javaUrlEncode, ZookeeperRegistry } from './index.js';
import { freePort, ZooKeeperServer } from './testing/index.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0.0' };
const reg = (service: ServiceKey, port: number, protocol = 'dubbo'): Registration => ({ service, endpoint: endpoint(protocol, '127.0.0.1', port), methods: ['echo', 'add'], application: 'zk-test' });

let server: ZooKeeperServer;
const open: ZookeeperRegistry[] = [];
function registry(query = '?session=2000&timeout=2000'): ZookeeperRegistry {
  const r = new ZookeeperRegistry(`${server.url}${query}`);
  open.push(r);
  return r;
}

/** A plain client, to look at (and write) nodes the way other ecosystems' code does. */
async function raw(): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(server.connectString, { sessionTimeout: 4000 });
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  return client;
}
const call = <T>(fn: (cb: (err: unknown, result: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));

before(async () => {
  server = await ZooKeeperServer.start({ tickTime: 200 });
});
after(async () => {
  await Promise.allSettled(open.map((r) => r.close()));
  await server?.close();
});

// Bounds on deliveries are generous (a loaded CI machine, ZooKeeper's JVM included, can stall a
// second or two): the periodic read is 60 s and sessions here last 1.2-2 s or default to 30 s, so a
// watch, a delete and a session expiry stay told apart; the figures go to the diagnostics.
describe('zookeeper registry, one process', () => {
  test('register, unregister and close reach another instance at once; nodes sit at each layout\'s path', async (t) => {
    const provider = registry();
    const consumer = registry();
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [[]]);
    let t0 = performance.now();
    await provider.register(reg(echo, 20880));
    const seen = (await rec.until((a) => a.length === 1, 5000, 'registration')) - t0;
    await provider.register(reg(echo, 12200, 'bolt'));
    await provider.register(reg(echo, 8002, 'motan2'));
    await rec.until((a) => a.length === 3, 5000, 'three protocols');
    assert.deepEqual(rec.last, ['bolt://127.0.0.1:12200', 'dubbo://127.0.0.1:20880', 'motan2://127.0.0.1:8002']);

    const client = await raw();
    try {
      const dubbo = await call<string[]>((cb) => client.getChildren('/dubbo/demo.Echo/providers', cb));
      assert.equal(dubbo.length, 1);
      const url = javaUrlDecode(dubbo[0]!)!;
      assert.match(url, /^dubbo:\/\/127\.0\.0\.1:20880\/demo\.Echo\?anyhost=false&application=zk-test&category=providers&/);
      assert.match(url, /&methods=add,echo&/);
      assert.match(url, /&version=1\.0\.0$/);
      const stat = await call<zookeeper.Stat>((cb) => client.exists(`/dubbo/demo.Echo/providers/${dubbo[0]}`, cb));
      assert.ok(!stat.ephemeralOwner.equals(Buffer.alloc(8)), 'ephemeral');
      const sofa = await call<string[]>((cb) => client.getChildren('/sofa-rpc/demo.Echo/providers', cb));
      assert.match(decodeURIComponent(sofa[0]!), /^bolt:\/\/127\.0\.0\.1:12200\?version=1\.0\.0&uniqueId=&interface=demo\.Echo&/);
      const motan = await call<Buffer>((cb) => client.getData('/motan/default_rpc/demo.Echo/server/127.0.0.1:8002', cb));
      assert.equal(motan.toString(), 'motan2://127.0.0.1:8002/demo.Echo?group=default_rpc&application=zk-test&nodeType=service&version=1.0.0');
    } finally {
      client.close();
    }

    t0 = performance.now();
    await provider.unregister(reg(echo, 20880));
    const gone = (await rec.until((a) => a.length === 2, 5000, 'unregistration')) - t0;
    t0 = performance.now();
    await provider.close();
    const closed = (await rec.until((a) => a.length === 0, 5000, 'close')) - t0;
    t.diagnostic(`register → subscriber ${seen.toFixed(1)} ms, unregister ${gone.toFixed(1)} ms, close ${closed.toFixed(1)} ms`);
    await assert.rejects(provider.register(reg(echo, 1)), (e) => RpcError.is(e, Code.Shutdown));
  });

  test('finds providers other ecosystems wrote: Java Dubbo, sofa-rpc-node, Java SOFARPC, Java Motan', async () => {
    const consumer = registry();
    const client = await raw();
    try {
      const mk = (path: string, data?: Buffer) =>
        call<string>((cb) => client.mkdirp(path.slice(0, path.lastIndexOf('/')), cb)).then(() =>
          call<string>((cb) => (data ? client.create(path, data, zookeeper.CreateMode.EPHEMERAL, cb) : client.create(path, zookeeper.CreateMode.EPHEMERAL, cb))),
        );
      const javaDubbo = 'dubbo://127.0.0.1:41001/com.example.Greeter?anyhost=true&application=java-app&dubbo=2.0.2&interface=com.example.Greeter&methods=greet,hello&side=provider&version=2.0';
      await mk(`/dubbo/com.example.Greeter/providers/${javaUrlEncode(javaDubbo)}`);
      await mk(`/dubbo/com.example.Greeter/providers/${javaUrlEncode(javaDubbo.replace('41001', '41002').replace('version=2.0', 'version=3.0'))}`);
      const nodeSofa = 'bolt://127.0.0.1:41003?startTime=1&pid=2&uniqueId=&dynamic=true&appName=demo-server&timeout=3000&serialization=hessian2&weight=100&accepts=100000&language=nodejs&rpcVer=50400&protocol=&interface=com.example.Greeter&version=2.0&group=SOFA';
      await mk(`/sofa-rpc/com.example.Greeter/providers/${encodeURIComponent(nodeSofa)}`);
      const javaMotan = 'motan2://127.0.0.1:41004/com.example.Greeter?nodeType=service&version=2.0&group=default_rpc&';
      const serialized = Buffer.concat([Buffer.from([0xac, 0xed, 0x00, 0x05, 0x74, 0x00, javaMotan.length]), Buffer.from(javaMotan)]);
      await mk('/motan/default_rpc/com.example.Greeter/server/127.0.0.1:41004', serialized);
      const rec = new Recorder();
      await consumer.subscribe({ interface: 'com.example.Greeter', version: '2.0' }, rec.listener);
      await rec.until((a) => a.length === 3, 10_000, 'all three ecosystems');
      assert.deepEqual(rec.last, ['bolt://127.0.0.1:41003', 'dubbo://127.0.0.1:41001', 'motan2://127.0.0.1:41004']);
      assert.equal(rec.sets.at(-1)![1]!.params.application, 'java-app');
      // A Java provider that goes away (its session closes) leaves the set.
      client.close();
      await rec.until((a) => a.length === 0, 10_000, 'the foreign session to close');
    } finally {
      client.close();
    }
  });

  test('ZooKeeper restart: subscribers keep their sets (no empty delivery), registrations survive, later changes arrive', async () => {
    const provider = registry();
    const consumer = registry();
    const rec = new Recorder();
    const service = { interface: 'demo.ZkRestart' };
    await consumer.subscribe(service, rec.listener);
    await provider.register(reg(service, 42001));
    await rec.until((a) => a.length === 1, 5000, 'registration');
    const before = rec.count;
    await server.stop();
    await sleep(1500);
    assert.equal(rec.count, before, 'nothing delivered while ZooKeeper is down');
    await server.restart();
    await provider.register(reg(service, 42002));
    await rec.until((a) => a.length === 2, 15_000, 'a registration after the restart');
    assert.ok(rec.sets.slice(1).every((s) => s.length > 0), JSON.stringify(rec.addresses()));
  });

  test('ZooKeeper unreachable at start: register rejects UNAVAILABLE but the node appears once it is up; subscribe resolves empty, then delivers', async () => {
    const port = await freePort();
    const provider = new ZookeeperRegistry(`zookeeper://127.0.0.1:${port}?timeout=300&session=2000`);
    const consumer = new ZookeeperRegistry(`zookeeper://127.0.0.1:${port}?timeout=300&session=2000`);
    let late: ZooKeeperServer | undefined;
    try {
      await assert.rejects(provider.register(reg(echo, 43001)), (e) => RpcError.is(e, Code.Unavailable));
      const rec = new Recorder();
      await consumer.subscribe(echo, rec.listener);
      assert.deepEqual(rec.addresses(), [[]]);
      late = await ZooKeeperServer.start({ port });
      await rec.until((a) => a.length === 1, 20_000, 'the failback registration');
    } finally {
      await provider.close();
      await consumer.close();
      await late?.close();
    }
  });

  test('chroot and digest credentials from the URL', async () => {
    const provider = registry('/meshlet-test/a?session=2000');
    const consumer = new ZookeeperRegistry(`zookeeper://app:secret@127.0.0.1:${server.port}/meshlet-test/a`);
    open.push(consumer);
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    await provider.register(reg(echo, 44001));
    await rec.until((a) => a.length === 1, 5000, 'registration under the chroot');
    const client = await raw();
    try {
      const names = await call<string[]>((cb) => client.getChildren('/meshlet-test/a/dubbo/demo.Echo/providers', cb));
      assert.equal(names.length, 1);
    } finally {
      client.close();
    }
  });
});

describe('zookeeper registry, across processes', () => {
  test('a child provider is found; close removes it at once; SIGKILL removes it within the session timeout', async (t) => {
    const consumer = registry();
    const rec = new Recorder();
    const service = { interface: 'demo.ZkChild', version: '1.0.0' };
    await consumer.subscribe(service, rec.listener);
    const session = 2000;
    const url = `${server.url}?session=${session}`;
    const a = new Child('./registry-child.js', [url, '45001', 'dubbo', 'demo.ZkChild']);
    const b = new Child('./registry-child.js', [url, '45002', 'dubbo', 'demo.ZkChild']);
    try {
      await Promise.all([a.line('READY', 10_000), b.line('READY', 10_000)]);
      await rec.until((x) => x.length === 2, 10_000, 'both children');
      let t0 = performance.now();
      a.send('close');
      await a.line('CLOSED', 5000);
      const closed = (await rec.until((x) => x.length === 1, 5000, 'clean close')) - t0;
      assert.equal((await a.exit(5000)).code, 0, 'the child exits by itself after close');
      t0 = performance.now();
      b.process.kill('SIGKILL');
      const killed = (await rec.until((x) => x.length === 0, session + 10_000, 'SIGKILLed child to expire')) - t0;
      t.diagnostic(`close → gone in ${closed.toFixed(0)} ms; SIGKILL → gone in ${killed.toFixed(0)} ms (session timeout ${session} ms)`);
      assert.ok(closed < session, `close → gone in ${closed.toFixed(0)} ms: before its session could have expired`);
      // The URL's session timeout, not the default 30 s; 3 s for ZooKeeper's ticks and a loaded machine.
      assert.ok(killed <= session + 3000, `SIGKILL → gone in ${killed.toFixed(0)} ms`);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('session expiry (the process frozen past its session timeout): nodes re-created, watches re-armed, last set kept meanwhile', async (t) => {
    const observer = registry();
    const rec = new Recorder();
    const service = { interface: 'demo.ZkExpire', version: '1.0.0' };
    await observer.subscribe(service, rec.listener);
    await observer.register(reg({ interface: 'demo.Watch' }, 46101));
    const session = 1200;
    const child = new Child('./registry-child.js', [`${server.url}?session=${session}&timeout=1000`, '46001', 'dubbo', 'demo.ZkExpire']);
    try {
      await child.line('READY', 10_000);
      await waitFor(() => child.lines.includes('WATCH ["dubbo://127.0.0.1:46101"]'), 10_000, 'the child to see demo.Watch');
      await rec.until((x) => x.length === 1, 10_000, 'the child');
      const t0 = performance.now();
      child.process.kill('SIGSTOP');
      await rec.until((x) => x.length === 0, session + 10_000, 'the frozen child\'s session to expire');
      const expired = performance.now() - t0;
      await sleep(300);
      child.process.kill('SIGCONT');
      const t1 = performance.now();
      await rec.until((x) => x.length === 1, 10_000, 'the child to re-create its node in a new session');
      const back = performance.now() - t1;
      // Its watch works in the new session: a change made now reaches it.
      await observer.register(reg({ interface: 'demo.Watch' }, 46102));
      await waitFor(() => child.lines.includes('WATCH ["dubbo://127.0.0.1:46101","dubbo://127.0.0.1:46102"]'), 10_000, 'the re-armed watch');
      const watchLines = child.lines.filter((l) => l.startsWith('WATCH '));
      assert.ok(!watchLines.slice(1).includes('WATCH []'), `no empty set while its session was gone: ${watchLines.join(' | ')}`);
      t.diagnostic(`frozen → node gone in ${expired.toFixed(0)} ms (session ${session} ms); resumed → node back in ${back.toFixed(0)} ms`);
    } finally {
      child.process.kill('SIGCONT');
      child.dispose();
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
