// fileTlsSource against real files: each rotation a writer can make, and each way it can go
// wrong, with openssl-made certificates. Waits are on the source's own events, with deadlines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { certs as makeCerts, isPair, kubeDir, kubeSwap, plainDir, recorded, serialOf, within, writePlain, type Recorded } from './files.fixture.js';
import { fileTlsSource } from './source.js';

const certs = await makeCerts();
const open: Recorded[] = [];
after(() => { for (const r of open) r.source.close(); });
const track = (r: Recorded) => { open.push(r); return r; };

test('first load: ready resolves with the files, current() throws UNAVAILABLE before it', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const { source } = track(recorded({ dir }));
  assert.throws(() => source.current(), (err: unknown) => RpcError.is(err, Code.Unavailable));
  assert.equal(source.status().state, 'loading');
  await within(5000, 'ready', source.ready());
  assert.equal(source.current().cert, certs.server.cert);
  assert.equal(source.current().key, certs.server.key);
  assert.equal(source.current().ca, certs.ca.cert);
  const status = source.status();
  assert.equal(status.state, 'ready');
  assert.equal(status.serial, certs.server.serial);
  assert.equal(status.fingerprint256, certs.server.fingerprint256);
  assert.equal(status.spiffeId, 'spiffe://meshlet.test/ns/default/sa/server');
  assert.ok(Date.parse(status.notAfter ?? '') > Date.now());
  assert.equal(status.reloads, 1);
  assert.equal(status.expired, false);
  assert.equal(status.lastError, undefined);
});

test('dir without ca.pem: loads, no ca (Node default roots); explicit files: loads', async () => {
  const noCa = track(recorded({ dir: plainDir(certs.client) }));
  await within(5000, 'ready', noCa.source.ready());
  assert.equal(noCa.source.current().ca, undefined);
  const explicit = track(recorded({ certFile: certs.client.certPath, keyFile: certs.client.keyPath, caFile: certs.ca.certPath }));
  await within(5000, 'ready', explicit.source.ready());
  assert.equal(serialOf(explicit.source), certs.client.serial);
  assert.equal(explicit.source.current().ca, certs.ca.cert);
});

test('plain overwrite: the new pair is adopted, onChange fires, the pair always matches', async () => {
  const dir = plainDir(certs.server, certs.ca);
  // A long poll: the change must come through fs.watch.
  const rec = track(recorded({ dir, pollInterval: 600_000 }));
  await rec.source.ready();
  const changed = rec.nextChange();
  writePlain(dir, certs.server2, certs.ca);
  await changed;
  assert.equal(serialOf(rec.source), certs.server2.serial);
  assert.ok(rec.pairsOk);
  assert.equal(rec.source.status().reloads, 2);
  assert.deepEqual(rec.errors, []);
});

for (const watch of [true, false]) {
  test(`Kubernetes symlink swap (..data renamed over) is adopted, ${watch ? 'through fs.watch' : 'by the stat poll alone'}`, async () => {
    const dir = kubeDir(certs.server, certs.ca);
    const rec = track(recorded(watch ? { dir, pollInterval: 600_000 } : { dir, watch: false, pollInterval: 50 }));
    await rec.source.ready();
    assert.equal(serialOf(rec.source), certs.server.serial);
    const changed = rec.nextChange();
    kubeSwap(dir, certs.server2, certs.ca);
    await changed;
    assert.equal(serialOf(rec.source), certs.server2.serial);
    assert.ok(rec.pairsOk);
    // And back again: a second swap is seen as well.
    const back = rec.nextChange();
    kubeSwap(dir, certs.server, certs.ca);
    await back;
    assert.equal(serialOf(rec.source), certs.server.serial);
    assert.deepEqual(rec.errors, []);
  });
}

test('half-written certificate: refused (INVALID_ARGUMENT), the last good kept, the completed file adopted', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  const failed = rec.nextError();
  writeFileSync(join(dir, 'key.pem'), certs.server2.key);
  writeFileSync(join(dir, 'cert.pem'), certs.server2.cert.slice(0, certs.server2.cert.length >> 1));
  const err = await failed;
  assert.equal(err.code, Code.InvalidArgument);
  assert.match(err.message, /half written|does not parse/);
  assert.equal(serialOf(rec.source), certs.server.serial);
  assert.equal(rec.source.status().lastError?.code, Code.InvalidArgument);
  assert.equal(rec.source.status().failures, 1);

  const changed = rec.nextChange();
  writeFileSync(join(dir, 'cert.pem'), certs.server2.cert);
  await changed;
  assert.equal(serialOf(rec.source), certs.server2.serial);
  assert.equal(rec.source.status().lastError, undefined);
  assert.ok(rec.pairsOk);
});

test('half-written key: refused, never adopted', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  const failed = rec.nextError();
  writeFileSync(join(dir, 'cert.pem'), certs.server2.cert);
  writeFileSync(join(dir, 'key.pem'), certs.server2.key.slice(0, 40));
  assert.equal((await failed).code, Code.InvalidArgument);
  assert.equal(serialOf(rec.source), certs.server.serial);
  assert.ok(isPair(rec.source));
});

test('two-step writer: new certificate beside the old key is refused until the key follows', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  const failed = rec.nextError();
  writeFileSync(join(dir, 'cert.pem'), certs.server2.cert);
  const err = await failed;
  assert.equal(err.code, Code.InvalidArgument);
  assert.match(err.message, /does not belong/);
  assert.equal(serialOf(rec.source), certs.server.serial);
  assert.ok(isPair(rec.source));

  const changed = rec.nextChange();
  writeFileSync(join(dir, 'key.pem'), certs.server2.key);
  await changed;
  assert.equal(serialOf(rec.source), certs.server2.serial);
  assert.ok(rec.pairsOk);
  assert.equal(rec.changes, 1);
});

test('expired certificate: refused, the last good kept', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  const failed = rec.nextError();
  writePlain(dir, certs.expired, certs.ca);
  const err = await failed;
  assert.equal(err.code, Code.InvalidArgument);
  assert.match(err.message, /expired/);
  assert.equal(serialOf(rec.source), certs.server.serial);
  assert.equal(rec.changes, 0);
});

test('files removed: UNAVAILABLE reported, the last good kept; files back: adopted', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  const failed = rec.nextError();
  unlinkSync(join(dir, 'cert.pem'));
  unlinkSync(join(dir, 'key.pem'));
  assert.equal((await failed).code, Code.Unavailable);
  assert.equal(serialOf(rec.source), certs.server.serial);
  assert.equal(rec.source.status().state, 'ready');
  assert.equal(rec.source.status().lastError?.code, Code.Unavailable);

  const changed = rec.nextChange();
  writePlain(dir, certs.server2, certs.ca);
  await changed;
  assert.equal(serialOf(rec.source), certs.server2.serial);
});

test('ready timeout: UNAVAILABLE when the files are missing, INVALID_ARGUMENT when they are bad; late files still load', async () => {
  const empty = plainDir();
  const missing = track(recorded({ dir: empty, readyTimeout: 200 }));
  await assert.rejects(within(5000, 'rejection', missing.source.ready()), (err: unknown) => RpcError.is(err, Code.Unavailable) && /not loaded within 200 ms/.test(err.message));

  const bad = plainDir(certs.expired);
  const refused = track(recorded({ dir: bad, readyTimeout: 200 }));
  await assert.rejects(within(5000, 'rejection', refused.source.ready()), (err: unknown) => RpcError.is(err, Code.InvalidArgument) && /expired/.test(err.message));

  // The mounted secret arrives after all: a caller that retries ready() is served once the
  // watcher has loaded it (each retry is another bounded wait; the deadline bounds the loop).
  writePlain(empty, certs.server, certs.ca);
  const deadline = Date.now() + 10_000;
  let retries = 0;
  for (;;) {
    try {
      await missing.source.ready();
      break;
    } catch (err) {
      assert.ok(RpcError.is(err, Code.Unavailable) || RpcError.is(err, Code.InvalidArgument), String(err));
      assert.ok(Date.now() < deadline, 'the late files were never loaded');
      retries++;
    }
  }
  assert.equal(serialOf(missing.source), certs.server.serial);
  assert.equal(missing.changes, 0, 'a first load is not a change');
  assert.ok(retries < 40);
});

test('bad options are INVALID_ARGUMENT, thrown at once', () => {
  assert.throws(() => fileTlsSource({} as never), (err: unknown) => RpcError.is(err, Code.InvalidArgument));
  assert.throws(() => fileTlsSource({ dir: '/tmp', pollInterval: 0 }), (err: unknown) => RpcError.is(err, Code.InvalidArgument));
  assert.throws(() => fileTlsSource({ dir: '/tmp', readyTimeout: Number.NaN }), (err: unknown) => RpcError.is(err, Code.InvalidArgument));
});

test('close: a pending ready() rejects SHUTDOWN, changes are no longer seen, close is idempotent', async () => {
  const pending = fileTlsSource({ dir: plainDir() });
  const rejected = assert.rejects(pending.ready(), (err: unknown) => RpcError.is(err, Code.Shutdown));
  pending.close();
  await within(1000, 'rejection', rejected);

  const dir = plainDir(certs.server, certs.ca);
  const closed = recorded({ dir, pollInterval: 20 });
  await closed.source.ready();
  closed.source.close();
  closed.source.close();
  assert.equal(closed.source.status().state, 'closed');
  // A witness on the same directory sees the change, so the closed one had every chance to.
  const witness = track(recorded({ dir, pollInterval: 20 }));
  await witness.source.ready();
  const seen = witness.nextChange();
  writePlain(dir, certs.server2, certs.ca);
  await seen;
  assert.equal(await witness.source.reload(), false, 'a second read of the same files is no change');
  assert.equal(closed.changes, 0);
  assert.equal(serialOf(closed.source), certs.server.serial, 'current() keeps the last material after close');
  assert.equal(await closed.source.reload(), false);
  rmSync(dir, { recursive: true });
});

test('a source never keeps the process alive, closed or not', () => {
  const url = new URL('./source.js', import.meta.url).href;
  const dir = plainDir(certs.server, certs.ca);
  for (const close of [true, false]) {
    const script = `import { fileTlsSource } from ${JSON.stringify(url)};
      const s = fileTlsSource({ dir: ${JSON.stringify(dir)}, pollInterval: 10 });
      await s.ready();
      ${close ? 's.close();' : ''}
      console.log('loaded', s.status().serial);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.signal, null, `the child ${close ? 'with' : 'without'} close() did not exit by itself`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), `loaded ${certs.server.serial}`);
  }
});

test('a throwing onChange listener: reported to onError, the rotation stands; an unsubscribed one is not called', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  rec.source.onChange(() => { throw new Error('listener broke'); });
  const stop = rec.source.onChange(() => { throw new Error('never called'); });
  stop();
  const reported = rec.nextError();
  const changed = rec.nextChange();
  writePlain(dir, certs.server2, certs.ca);
  await changed;
  const err = await reported;
  assert.match(err.message, /listener broke/);
  assert.equal(rec.errors.length, 1);
  assert.equal(serialOf(rec.source), certs.server2.serial);
  assert.equal(rec.source.status().failures, 0, 'a listener failure is not a refused load');
});

test('dir mode: a ca.pem that appears is adopted, one that vanishes is refused (trust never falls back to public roots)', async () => {
  const dir = plainDir(certs.server);
  const rec = track(recorded({ dir }));
  await rec.source.ready();
  assert.equal(rec.source.current().ca, undefined);
  const changed = rec.nextChange();
  writeFileSync(join(dir, 'ca.pem'), certs.ca.cert);
  await changed;
  assert.equal(rec.source.current().ca, certs.ca.cert);
  const failed = rec.nextError();
  unlinkSync(join(dir, 'ca.pem'));
  const err = await failed;
  assert.equal(err.code, Code.Unavailable);
  assert.match(err.message, /CA file/);
  assert.equal(rec.source.current().ca, certs.ca.cert);
});
