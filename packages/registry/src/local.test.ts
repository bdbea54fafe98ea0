import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Code, endpoint, RpcError, type Registration, type ServiceKey } from '@meshlet/core';
import { Child, Recorder, sleep, waitFor } from './fixtures/helpers.js';
import { LocalRegistry } from './index.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0.0' };
const reg = (service: ServiceKey, port: number): Registration => ({ service, endpoint: endpoint('dubbo', '127.0.0.1', port), methods: ['echo'] });

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'meshlet-local-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
let dirs = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(root, `d${dirs++}`);
  await mkdir(dir);
  return dir;
}
const entries = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.json'));

/** Resolves once `pid` is stopped (state T in /proc): kill() only queues the signal. */
async function stopped(pid: number): Promise<void> {
  const state = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2];
  };
  await waitFor(() => state() === 'T', SEEN_MS, `process ${pid} to stop`);
}

/** An entry file as another process would write it. */
function entryText(port: number, fields: { pid?: number; lease?: number; hostname?: string } = {}): string {
  return JSON.stringify({
    format: 'meshlet-local-registry/1',
    service: echo,
    endpoint: endpoint('dubbo', '127.0.0.1', port),
    methods: [],
    pid: fields.pid ?? process.pid,
    hostname: fields.hostname ?? os.hostname(),
    owner: 'test',
    lease: fields.lease ?? Date.now(),
  });
}

// The `until` bounds below only stop a failing test from hanging: the figures are reported with
// t.diagnostic, and a loaded CI machine can stall a scan for a second. Where a bound must stay below
// another mechanism's delay to mean something (a lease expiring instead of a delete), it says so.
const SEEN_MS = 5000;

describe('local registry, one process', () => {
  test('two instances on one directory: register, unregister and close reach the other', async (t) => {
    const dir = await freshDir();
    const provider = new LocalRegistry({ dir });
    const consumer = new LocalRegistry({ dir });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [[]]);

    let t0 = performance.now();
    await provider.register(reg(echo, 20880));
    const seen = (await rec.until((a) => a.length === 1, SEEN_MS, 'registration')) - t0;
    t0 = performance.now();
    await provider.unregister(reg(echo, 20880));
    const gone = (await rec.until((a) => a.length === 0, SEEN_MS, 'unregistration')) - t0;
    await provider.register(reg(echo, 20880));
    await provider.register(reg(echo, 20881));
    await rec.until((a) => a.length === 2, SEEN_MS, 'two registrations');
    t0 = performance.now();
    await provider.close();
    const closed = (await rec.until((a) => a.length === 0, SEEN_MS, 'close')) - t0;
    t.diagnostic(`same host, other instance: register seen in ${seen.toFixed(1)} ms, unregister in ${gone.toFixed(1)} ms, close in ${closed.toFixed(1)} ms`);
    assert.deepEqual(await entries(dir), []);
    await assert.rejects(provider.register(reg(echo, 1)), (e) => RpcError.is(e, Code.Shutdown));

    // No set twice in a row, though the provider's renewals rewrote files in between.
    for (let i = 1; i < rec.sets.length; i++) assert.notDeepEqual(rec.addresses()[i], rec.addresses()[i - 1]);
    await consumer.close();
  });

  test('an instance sees its own registration as soon as register resolves', async () => {
    const dir = await freshDir();
    const r = new LocalRegistry({ dir });
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    await r.register(reg(echo, 1));
    assert.deepEqual(rec.last, ['dubbo://127.0.0.1:1']);
    await r.unregister(reg(echo, 1));
    assert.deepEqual(rec.last, []);
    await r.close();
  });

  test('matches interface, version and group exactly', async () => {
    const dir = await freshDir();
    const r = new LocalRegistry({ dir });
    const keys: ServiceKey[] = [{ interface: 'demo.Echo' }, { interface: 'demo.Echo', version: '' }, { interface: 'demo.Echo', group: 'g' }, echo];
    for (const [i, key] of keys.entries()) await r.register(reg(key, 100 + i));
    for (const [i, key] of keys.entries()) {
      const rec = new Recorder();
      await r.subscribe(key, rec.listener);
      assert.deepEqual(rec.addresses(), [[`dubbo://127.0.0.1:${100 + i}`]], JSON.stringify(key));
    }
    await r.close();
  });

  test('leases are renewed: entries outlive the TTL without flapping', async () => {
    const dir = await freshDir();
    // Renewals every 100 ms may run 900 ms late before the entry lapses: a loaded machine delays
    // timers, and a TTL of 400 ms once left too little room for that.
    const options = { dir, leaseTtlMs: 1000, renewIntervalMs: 100, pollIntervalMs: 50 };
    const provider = new LocalRegistry(options);
    const consumer = new LocalRegistry(options);
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    await provider.register(reg(echo, 1));
    await rec.until((a) => a.length === 1, SEEN_MS, 'registration');
    await sleep(2500); // more than twice the TTL
    assert.deepEqual(rec.addresses(), [[], ['dubbo://127.0.0.1:1']]);
    await provider.close();
    await consumer.close();
  });

  test('without fs.watch, polling alone delivers changes within a poll interval', async (t) => {
    const dir = await freshDir();
    const provider = new LocalRegistry({ dir });
    const consumer = new LocalRegistry({ dir, watch: false });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    let t0 = performance.now();
    await provider.register(reg(echo, 1));
    const seen = (await rec.until((a) => a.length === 1, SEEN_MS, 'registration by polling')) - t0;
    t0 = performance.now();
    await provider.close();
    assert.deepEqual(await entries(dir), [], 'close deleted the entry (so the poll, not the lease TTL, removes it)');
    const gone = (await rec.until((a) => a.length === 0, SEEN_MS, 'close by polling')) - t0;
    t.diagnostic(`polling only (500 ms): register seen in ${seen.toFixed(0)} ms, close in ${gone.toFixed(0)} ms`);
    await consumer.close();
  });

  test('the default directory must belong to this user and not be writable by others', { skip: typeof process.getuid !== 'function' }, async () => {
    const tmp = await freshDir();
    const saved = { TMPDIR: process.env.TMPDIR, dir: process.env.MESHLET_LOCAL_REGISTRY_DIR };
    process.env.TMPDIR = tmp;
    delete process.env.MESHLET_LOCAL_REGISTRY_DIR;
    try {
      const r = new LocalRegistry();
      assert.equal(r.dir, path.join(tmp, `meshlet-registry-${process.getuid!()}`));
      await r.subscribe(echo, () => {}); // creates it, 0700
      assert.equal((await stat(r.dir)).mode & 0o777, 0o700);
      await r.close();
      await chmod(r.dir, 0o777);
      const open = new LocalRegistry();
      await assert.rejects(open.subscribe(echo, () => {}), (e) => RpcError.is(e, Code.InvalidArgument) && /writable by other users/.test(e.message));
      await assert.rejects(open.register(reg(echo, 1)), (e) => RpcError.is(e, Code.InvalidArgument));
      await open.close();
      if (process.getuid!() === 0) {
        await chmod(r.dir, 0o700);
        await chown(r.dir, 12345, 12345);
        const foreign = new LocalRegistry();
        await assert.rejects(foreign.subscribe(echo, () => {}), (e) => RpcError.is(e, Code.InvalidArgument) && /belongs to uid 12345/.test(e.message));
        await foreign.close();
      }
    } finally {
      for (const [k, v] of [['TMPDIR', saved.TMPDIR], ['MESHLET_LOCAL_REGISTRY_DIR', saved.dir]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('corrupt, foreign and odd files are ignored and left alone', async () => {
    const dir = await freshDir();
    const junk: Record<string, string> = {
      'garbage.json': 'not json at all',
      'half.json': entryText(1).slice(0, 40),
      'empty.json': '',
      'array.json': '[]',
      'null.json': 'null',
      'foreign.json': JSON.stringify({ hello: 'world' }),
      'badport.json': entryText(1).replace('"port":1', '"port":"1"'),
      'proto.json': entryText(2).replace('"params":{}', '"params":{"__proto__":{"polluted":"yes"}}'),
      'huge.json': ' '.repeat(100_000) + entryText(3),
    };
    for (const [name, text] of Object.entries(junk)) await writeFile(path.join(dir, name), text);
    await mkdir(path.join(dir, 'adir.json'));
    await writeFile(path.join(root, 'outside.json'), entryText(4));
    await symlink(path.join(root, 'outside.json'), path.join(dir, 'link.json'));
    const fifo = spawnSync('mkfifo', [path.join(dir, 'fifo.json')]).status === 0;

    await writeFile(path.join(dir, 'protokey.json'), entryText(5).replace('"params":{}', '"params":{"__proto__":"x"}'));

    const r = new LocalRegistry({ dir });
    await r.register(reg(echo, 20880));
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    const expected = [['dubbo://127.0.0.1:20880', 'dubbo://127.0.0.1:5']];
    assert.deepEqual(rec.addresses(), expected);
    const five = rec.sets[0]?.find((e) => e.port === 5);
    assert.ok(five && Object.hasOwn(five.params, '__proto__') && five.params['__proto__'] === 'x');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    await writeFile(path.join(dir, 'late.json'), '{"format":"meshlet-local-registry/1", "pid":');
    await sleep(700); // a poll or two over the junk
    assert.deepEqual(rec.addresses(), expected);
    const left = await entries(dir);
    for (const name of [...Object.keys(junk), 'adir.json', 'link.json', 'late.json', ...(fifo ? ['fifo.json'] : [])]) assert.ok(left.includes(name), name);
    await r.close();
  });

  test('dead entries (expired lease, or pid gone on this host) are ignored and deleted', async () => {
    const dir = await freshDir();
    const gonePid = spawnSync(process.execPath, ['-e', '']).pid as number;
    await writeFile(path.join(dir, 'expired.json'), entryText(1, { lease: Date.now() - 10_000 }));
    await writeFile(path.join(dir, 'nopid.json'), entryText(2, { pid: gonePid }));
    await writeFile(path.join(dir, 'alive.json'), entryText(3));
    await writeFile(path.join(dir, 'otherhost.json'), entryText(4, { pid: gonePid, hostname: `not-${os.hostname()}` }));
    const r = new LocalRegistry({ dir });
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    assert.deepEqual(rec.addresses(), [['dubbo://127.0.0.1:3', 'dubbo://127.0.0.1:4']]);
    assert.deepEqual((await entries(dir)).sort(), ['alive.json', 'otherhost.json']);
    await r.close();
  });

  test('an unreadable directory keeps the last known set; an empty one empties it', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, 'alive.json'), entryText(1));
    const r = new LocalRegistry({ dir, pollIntervalMs: 100 });
    const rec = new Recorder();
    await r.subscribe(echo, rec.listener);
    assert.deepEqual(rec.last, ['dubbo://127.0.0.1:1']);
    await rename(dir, `${dir}-moved`); // atomically gone (rm -r would show an empty directory first)
    await sleep(500);
    assert.equal(rec.count, 1);
    await mkdir(dir);
    await rec.until((a) => a.length === 0, SEEN_MS, 'the empty directory');
    await writeFile(path.join(dir, 'alive.json'), entryText(2));
    await rec.until((a) => a.length === 1, SEEN_MS, 'a new entry in the recreated directory');
    await r.close();
  });

  test('a listener that throws does not stop the scanner', async () => {
    const dir = await freshDir();
    const r = new LocalRegistry({ dir });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? '');
    process.on('warning', onWarning);
    try {
      await r.subscribe(echo, (eps) => {
        if (eps.length > 0) throw new Error('boom');
      });
      const rec = new Recorder();
      await r.subscribe(echo, rec.listener);
      await r.register(reg(echo, 1));
      await r.register(reg(echo, 2));
      assert.deepEqual(rec.last, ['dubbo://127.0.0.1:1', 'dubbo://127.0.0.1:2']);
      await sleep(10);
      assert.ok(warnings.includes('MESHLET_REGISTRY_LISTENER'));
    } finally {
      process.off('warning', onWarning);
      await r.close();
    }
  });
});

describe('local registry, across processes', () => {
  test('a child provider is seen within 1 s and vanishes within 5 s of kill -9', async (t) => {
    const dir = await freshDir();
    const consumer = new LocalRegistry({ dir });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    const child = new Child('./local-child.js', [dir, '20880']);
    try {
      await child.line('READY', 15_000);
      await rec.until((a) => a.includes('dubbo://127.0.0.1:20880'), SEEN_MS, "the child's registration");
      const seen = (rec.wallTimes.at(-1) as number) - child.value('REGISTERING');
      const killedAt = performance.now();
      child.process.kill('SIGKILL');
      const goneAt = await rec.until((a) => a.length === 0, 10_000, "the killed child's entry to disappear");
      t.diagnostic(`child registration seen ${seen} ms after the child called register; kill -9 noticed after ${(goneAt - killedAt).toFixed(1)} ms`);
      assert.deepEqual(await entries(dir), []); // the dead entry was deleted, not just skipped
    } finally {
      child.dispose();
      await consumer.close();
    }
  });

  test('a stopped child (pid alive, lease not renewed) expires after the lease TTL and returns when resumed', async (t) => {
    const dir = await freshDir();
    const consumer = new LocalRegistry({ dir });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    const child = new Child('./local-child.js', [dir, '20883']);
    try {
      await child.line('READY', 15_000);
      await rec.until((a) => a.length === 1, SEEN_MS, "the child's registration");
      const stoppedAt = performance.now();
      child.process.kill('SIGSTOP');
      await stopped(child.pid);
      // The lease the child wrote last: the TTL counts from it, not from the SIGSTOP (the child may
      // have renewed up to a renewal interval before, later still when this process was slow).
      const [file] = await entries(dir);
      const lease = JSON.parse(await readFile(path.join(dir, file!), 'utf8')).lease as number;
      const goneAt = await rec.until((a) => a.length === 0, 10_000, "the stopped child's lease to expire");
      const goneWall = rec.wallTimes.at(-1) as number;
      const resumedAt = performance.now();
      child.process.kill('SIGCONT');
      const backAt = await rec.until((a) => a.length === 1, SEEN_MS, 'the resumed child to renew its entry');
      t.diagnostic(`SIGSTOP: expired after ${(goneAt - stoppedAt).toFixed(0)} ms, ${goneWall - lease} ms after the last lease; back ${(backAt - resumedAt).toFixed(0)} ms after SIGCONT`);
      assert.ok(goneWall - lease >= 3000, `a live lease must not expire early: gone ${goneWall - lease} ms after the last lease (TTL 3000 ms)`);
    } finally {
      child.dispose();
      await consumer.close();
    }
  });

  test('a child that closes gracefully vanishes within 1 s and its process exits by itself', async (t) => {
    const dir = await freshDir();
    const consumer = new LocalRegistry({ dir });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    const child = new Child('./local-child.js', [dir, '20881']);
    try {
      await child.line('READY', 15_000);
      await rec.until((a) => a.length === 1, SEEN_MS, "the child's registration");
      const t0 = performance.now();
      child.send('close');
      const goneAt = await rec.until((a) => a.length === 0, SEEN_MS, "the closed child's entry to disappear");
      t.diagnostic(`graceful close seen after ${(goneAt - t0).toFixed(1)} ms`);
      assert.deepEqual(await child.exit(10_000), { code: 0, signal: null });
      assert.ok(child.lines.includes('CLOSED'));
    } finally {
      child.dispose();
      await consumer.close();
    }
  });

  test('a child that ends without close() still removes its entry on exit', async () => {
    const dir = await freshDir();
    const consumer = new LocalRegistry({ dir });
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener);
    const child = new Child('./local-child.js', [dir, '20882']);
    try {
      await child.line('READY', 15_000);
      await rec.until((a) => a.length === 1, SEEN_MS, "the child's registration");
      child.send('leave');
      assert.deepEqual(await child.exit(10_000), { code: 0, signal: null });
      await rec.until((a) => a.length === 0, SEEN_MS, "the exited child's entry to disappear");
      assert.deepEqual(await entries(dir), []);
    } finally {
      child.dispose();
      await consumer.close();
    }
  });
});
