// Test helpers for the file source: the repo's openssl-made certificates (test/security/certs.js,
// loaded by URL: it is plain JS outside this project), directories in the two layouts a source
// meets (plain files, Kubernetes' symlinked `..data`), and a recorder of a source's events.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpcError } from '@meshlet/core';
import { fileTlsSource, type FileTlsSource, type FileTlsSourceOptions } from './source.js';

export interface Leaf { cert: string; key: string; certPath: string; keyPath: string; serial: string; fingerprint256: string }
export interface Root { cert: string; certPath: string }
export interface Certs {
  ca: Root; ca2: Root;
  server: Leaf; server2: Leaf; client: Leaf; client2: Leaf; untrusted: Leaf; expired: Leaf; wrongSan: Leaf;
}

const certsModule = new URL('../../../../test/security/certs.js', import.meta.url).href;

export async function certs(): Promise<Certs> {
  const mod = (await import(certsModule)) as { makeCerts(): Promise<Certs> };
  return mod.makeCerts();
}

// Every directory made here is removed when the test process exits.
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  made.push(dir);
  return dir;
}

/** A fresh directory with `cert.pem`, `key.pem` (and `ca.pem`) written as plain files. */
export function plainDir(leaf?: Leaf, ca?: Root): string {
  const dir = tempDir('meshlet-files-');
  if (leaf) writePlain(dir, leaf, ca);
  return dir;
}

export function writePlain(dir: string, leaf: Leaf, ca?: Root): void {
  writeFileSync(join(dir, 'cert.pem'), leaf.cert);
  writeFileSync(join(dir, 'key.pem'), leaf.key);
  if (ca) writeFileSync(join(dir, 'ca.pem'), ca.cert);
}

/**
 * Kubernetes' secret volume layout, as the kubelet's AtomicWriter makes it: the data in a
 * timestamped directory, `..data` a symlink to it, each file a symlink through `..data`.
 */
export function kubeDir(leaf: Leaf, ca: Root): string {
  const dir = tempDir('meshlet-kube-');
  const version = writeVersion(dir, leaf, ca, 1);
  symlinkSync(version, join(dir, '..data'));
  for (const name of ['cert.pem', 'key.pem', 'ca.pem']) symlinkSync(join('..data', name), join(dir, name));
  return dir;
}

let generation = 1;
function writeVersion(dir: string, leaf: Leaf, ca: Root, n: number): string {
  const version = `..2026_12_06_02_00_0${n}.${process.pid}${generation++}`;
  mkdirSync(join(dir, version));
  writeFileSync(join(dir, version, 'cert.pem'), leaf.cert);
  writeFileSync(join(dir, version, 'key.pem'), leaf.key);
  writeFileSync(join(dir, version, 'ca.pem'), ca.cert);
  return version;
}

/** The kubelet's swap: new version dir, `..data_tmp` pointing at it renamed over `..data`, old one removed. */
export function kubeSwap(dir: string, leaf: Leaf, ca: Root): void {
  const old = readlinkSync(join(dir, '..data'));
  const version = writeVersion(dir, leaf, ca, 2);
  symlinkSync(version, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  rmSync(join(dir, old), { recursive: true });
}

/** True when the source's current cert and key are a pair (what must hold at every moment). */
export function isPair(source: FileTlsSource): boolean {
  const m = source.current();
  return new X509Certificate(m.cert).checkPrivateKey(createPrivateKey(m.key));
}

export function serialOf(source: FileTlsSource): string {
  return new X509Certificate(source.current().cert).serialNumber;
}

/** A source with its events queued: `nextChange()` / `nextError()` wait for the next one (with a deadline). */
export interface Recorded {
  source: FileTlsSource;
  errors: RpcError[];
  changes: number;
  /** Every onChange saw a matching cert/key pair. */
  pairsOk: boolean;
  nextChange(ms?: number): Promise<void>;
  nextError(ms?: number): Promise<RpcError>;
}

export function recorded(options: FileTlsSourceOptions): Recorded {
  let changeWaiters: Array<() => void> = [];
  let errorWaiters: Array<(err: RpcError) => void> = [];
  const rec: Recorded = {
    source: undefined as unknown as FileTlsSource,
    errors: [],
    changes: 0,
    pairsOk: true,
    nextChange: (ms = 10_000) => within(ms, 'a change', new Promise<void>((resolve) => changeWaiters.push(resolve))),
    nextError: (ms = 10_000) => within(ms, 'an error', new Promise<RpcError>((resolve) => errorWaiters.push(resolve))),
  };
  rec.source = fileTlsSource({
    ...options,
    onError(err) {
      rec.errors.push(err);
      const waiters = errorWaiters;
      errorWaiters = [];
      for (const w of waiters) w(err);
    },
  });
  rec.source.onChange(() => {
    rec.changes++;
    if (!isPair(rec.source)) rec.pairsOk = false;
    const waiters = changeWaiters;
    changeWaiters = [];
    for (const w of waiters) w();
  });
  return rec;
}

/** `promise`, or a rejection naming what did not happen within `ms` (a deadline, not a sleep). */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
