import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Code, toRpcError, type Registration } from '@meshlet/core';
import { encodeEntry, entryFileName, type LocalEntry } from './entry.js';
import { removeFile, writeFileAtomic } from './store.js';

/** True unless the process is known to be gone (ESRCH). EPERM means it exists under another user. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code !== 'ESRCH';
  }
}

/**
 * Judges entries for one scan. An entry is dead when its lease is older than `ttlMs`, or when it
 * was written on this host and its pid no longer exists. Pid answers are cached for the scan.
 */
export class Liveness {
  readonly #now: number;
  readonly #ttlMs: number;
  readonly #hostname = os.hostname();
  readonly #pids = new Map<number, boolean>();

  constructor(now: number, ttlMs: number) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  alive(entry: LocalEntry): boolean {
    if (this.#now - entry.lease > this.#ttlMs) return false;
    if (entry.hostname !== this.#hostname) return true;
    let alive = this.#pids.get(entry.pid);
    if (alive === undefined) this.#pids.set(entry.pid, (alive = pidAlive(entry.pid)));
    return alive;
  }
}

/**
 * The files one registry instance owns: writes them, renews their leases on one unref'd timer, and
 * removes them on unregister, on close and (synchronously) when the process exits. File operations
 * run one at a time, so a renewal can never resurrect a file that an unregister just removed.
 */
export class LeaseKeeper {
  readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  readonly #dir: string;
  readonly #renewMs: number;
  readonly #hostname = os.hostname();
  /** File name → registration. */
  readonly #entries = new Map<string, Registration>();
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #renewQueued = false;
  #renewFailing = false;

  constructor(dir: string, renewMs: number) {
    this.#dir = dir;
    this.#renewMs = renewMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  put(registration: Registration): Promise<void> {
    return this.#enqueue(async () => {
      const name = entryFileName(registration, this.owner);
      try {
        await this.#write(name, registration);
      } catch (err) {
        throw toRpcError(err, Code.Unavailable);
      }
      this.#entries.set(name, registration);
      this.#startTimer();
    });
  }

  delete(registration: Registration): Promise<void> {
    return this.#enqueue(async () => {
      const name = entryFileName(registration, this.owner);
      if (!this.#entries.delete(name)) return;
      if (this.#entries.size === 0) {
        this.#stopTimer();
        live.delete(this);
      }
      await removeFile(path.join(this.#dir, name)).catch(() => {});
    });
  }

  /** Removes every owned file and stops the timer. */
  close(): Promise<void> {
    this.#stopTimer();
    return this.#enqueue(async () => {
      // Again here: a put queued before close may have restarted the timer.
      this.#stopTimer();
      const names = [...this.#entries.keys()];
      this.#entries.clear();
      live.delete(this);
      await Promise.all(names.map((n) => removeFile(path.join(this.#dir, n)).catch(() => {})));
    });
  }

  /** Last resort at process exit: the event loop is gone, so synchronous unlinks. */
  removeAllSync(): void {
    for (const name of this.#entries.keys()) {
      try {
        unlinkSync(path.join(this.#dir, name));
      } catch {
        // already gone
      }
    }
    this.#entries.clear();
  }

  #write(name: string, registration: Registration): Promise<void> {
    const entry: LocalEntry = { registration, pid: process.pid, hostname: this.#hostname, owner: this.owner, lease: Date.now() };
    return writeFileAtomic(this.#dir, name, encodeEntry(entry));
  }

  #renew(): void {
    if (this.#renewQueued) return;
    this.#renewQueued = true;
    void this.#enqueue(async () => {
      this.#renewQueued = false;
      const results = await Promise.allSettled([...this.#entries].map(([name, r]) => this.#write(name, r)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed && !this.#renewFailing) {
        const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
        process.emitWarning(`local registry cannot renew its leases in ${this.#dir}: ${reason}`, {
          type: 'MeshletRegistryWarning',
          code: 'MESHLET_REGISTRY_RENEW',
        });
      }
      this.#renewFailing = failed !== undefined;
    }).catch(() => {});
  }

  #startTimer(): void {
    live.add(this);
    installExitHook();
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#renew(), this.#renewMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => {});
    return run;
  }
}

const live = new Set<LeaseKeeper>();
let exitHookInstalled = false;

/** One `exit` listener for all keepers: a process that ends without `close()` still leaves no entries. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const keeper of live) keeper.removeAllSync();
    live.clear();
  });
}
