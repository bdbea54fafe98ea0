import type { EndpointListener, Registration, Registry, ServiceKey } from '@meshlet/core';
import { endpointSet, sameService } from '../endpoint-set.js';
import { Subscriptions } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError, invalidArgument, positiveMs } from '../validate.js';
import { defaultLocalDirectory, ensureDirectory } from './dir.js';
import type { LocalEntry } from './entry.js';
import { LeaseKeeper } from './lease.js';
import { DirectoryScanner } from './watch.js';

export interface LocalRegistryOptions {
  /** The shared directory. Default: `$MESHLET_LOCAL_REGISTRY_DIR`, else `<os.tmpdir()>/meshlet-registry-<uid>`. */
  readonly dir?: string | undefined;
  /** Readers treat an entry whose lease is older than this as dead, ms. Default 3000. */
  readonly leaseTtlMs?: number | undefined;
  /** How often the owner renews its leases, ms. Default 1000. */
  readonly renewIntervalMs?: number | undefined;
  /** How often subscribers rescan besides reacting to fs.watch, ms. Default 500. */
  readonly pollIntervalMs?: number | undefined;
  /** Use fs.watch besides polling. Default true; turn off where fs.watch misbehaves (some network file systems). */
  readonly watch?: boolean | undefined;
}

/**
 * The `local` registry, the embedded default: one small JSON file per registration in a directory
 * on this host, so that separate processes find each other with no server. See README.md.
 */
export class LocalRegistry implements Registry {
  readonly name = 'local';
  readonly dir: string;
  readonly #checkOwner: boolean;
  readonly #keeper: LeaseKeeper;
  readonly #scanner: DirectoryScanner;
  readonly #subs = new Subscriptions();
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: LocalRegistryOptions = {}) {
    const fallback = defaultLocalDirectory();
    this.dir = options.dir ?? fallback.dir;
    this.#checkOwner = options.dir === undefined && fallback.shared;
    const leaseTtlMs = positiveMs(options.leaseTtlMs, 3000, 'leaseTtlMs');
    const renewIntervalMs = positiveMs(options.renewIntervalMs, 1000, 'renewIntervalMs');
    const pollIntervalMs = positiveMs(options.pollIntervalMs, 500, 'pollIntervalMs');
    if (renewIntervalMs >= leaseTtlMs) throw invalidArgument('renewIntervalMs must be shorter than leaseTtlMs');
    this.#keeper = new LeaseKeeper(this.dir, renewIntervalMs);
    this.#scanner = new DirectoryScanner(this.dir, { pollIntervalMs, leaseTtlMs, watch: options.watch ?? true }, (live) => this.#deliver(live));
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    await this.#directory();
    await this.#keeper.put(r);
    if (this.#subs.size > 0) await this.#scanner.refresh();
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const r = checkRegistration(registration);
    await this.#keeper.delete(r);
    if (this.#subs.size > 0) await this.#scanner.refresh();
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    await this.#directory();
    if (this.#closed) throw closedError(this.name);
    const sub = this.#subs.add(key, listener);
    this.#scanner.start();
    await this.#scanner.refresh();
    // The scan delivered unless the directory was unreadable: then the last known view, or nothing known yet.
    if (!sub.delivered) sub.offer(setFor(key, this.#scanner.last ?? []));
    return () => {
      if (this.#subs.remove(sub) && this.#subs.size === 0) this.#scanner.stop();
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    this.#scanner.stop();
    await this.#keeper.close();
  }

  #deliver(live: readonly LocalEntry[]): void {
    for (const sub of this.#subs.all()) sub.offer(setFor(sub.service, live));
  }

  #directory(): Promise<void> {
    if (!this.#ready) {
      const ready = ensureDirectory(this.dir, this.#checkOwner);
      // A failure is not cached: the next call tries again.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
      this.#ready = ready;
    }
    return this.#ready;
  }
}

function setFor(service: ServiceKey, live: readonly LocalEntry[]) {
  const endpoints = [];
  for (const entry of live) if (sameService(entry.registration.service, service)) endpoints.push(entry.registration.endpoint);
  return endpointSet(endpoints);
}
