import { debuglog } from 'node:util';
import type { Endpoint, ServiceKey } from '@meshlet/core';
import { CoalescedReads, FirstReadWaiters } from '../serial.js';
import type { Subscription } from '../subscription.js';
import type { ZookeeperLayout, ZookeeperProvider } from './layout.js';
import type { ZkSession } from './session.js';
import { zkCode, ZkCode } from './zk.js';

const debug = debuglog('meshlet-registry');

/** getData calls in flight at once when a data layout meets many new children. */
const DATA_BATCH = 256;

/**
 * The children of one providers directory, kept current with a ZooKeeper watch. A directory that
 * does not exist yet is watched for its creation. Reads never overlap; requests during a read share
 * the next one. A failed read (disconnected, timeout) changes nothing: the last known children
 * stay, and the registry reads again when the session is back. Children are parsed once, when
 * they appear (names are immutable; data layouts read the node data then).
 */
export class PathWatch {
  readonly layout: ZookeeperLayout;
  /** The layout's path, e.g. `/dubbo/demo.Echo/providers`. */
  readonly dir: string;
  /** The path on the server (chroot + dir). */
  readonly path: string;
  readonly subs = new Set<Subscription>();
  readonly #session: ZkSession;
  readonly #onChange: (watch: PathWatch) => void;
  /** Child name → parsed provider (null: not a usable provider). */
  #children = new Map<string, ZookeeperProvider | null>();
  #known = false;
  /** A server-side watch is set in the current session: reads need not set another. */
  #armed = false;
  readonly #reads = new CoalescedReads(
    () => this.#read(),
    (err: unknown) => {
      // Kept as it was; the next session event or periodic refresh reads again.
      debug('zookeeper watch %s: read failed: %s', this.path, err instanceof Error ? err.message : String(err));
    },
  );
  #stopped = false;
  readonly #firstWaiters = new FirstReadWaiters();

  constructor(layout: ZookeeperLayout, dir: string, path: string, session: ZkSession, onChange: (watch: PathWatch) => void) {
    this.layout = layout;
    this.dir = dir;
    this.path = path;
    this.#session = session;
    this.#onChange = onChange;
  }

  /** True once a read succeeded. */
  get known(): boolean {
    return this.#known;
  }

  /** The providers here that serve `service`, by the layout's matching rules. */
  providersFor(service: ServiceKey): Endpoint[] {
    const out: Endpoint[] = [];
    for (const p of this.#children.values()) if (p && this.layout.matches(service, p.service)) out.push(p.endpoint);
    return out;
  }

  /** A new session has none of the old session's watches. */
  disarm(): void {
    this.#armed = false;
  }

  stop(): void {
    this.#stopped = true;
    this.#firstWaiters.release();
  }

  /** Resolves after the first successful read, or after `timeoutMs`. */
  firstRead(timeoutMs: number): Promise<void> {
    if (this.#known || this.#stopped) return Promise.resolve();
    return this.#firstWaiters.wait(timeoutMs);
  }

  refresh(): Promise<void> {
    return this.#reads.refresh();
  }

  /** One-shot ZooKeeper watches: the event clears the watch, and the read it causes sets a new one. */
  readonly #watcher = (): void => {
    this.#armed = false;
    if (!this.#stopped) void this.refresh();
  };

  /** The watcher to pass when no watch is set in this session (and mark it set), else undefined. */
  #arm(): ((event: unknown) => void) | undefined {
    if (this.#armed) return undefined;
    this.#armed = true;
    return this.#watcher;
  }

  async #read(): Promise<void> {
    const zk = this.#session.zk;
    if (this.#stopped || !zk || !this.#session.connected) return;
    let names: string[] | undefined;
    for (let attempt = 0; names === undefined && attempt < 3; attempt++) {
      // `armed` is set before the call: the event of the watch this call sets can be handled
      // before our continuation runs, and must be able to clear it.
      let watcher = this.#arm();
      try {
        names = await zk.getChildren(this.path, watcher);
      } catch (err) {
        if (watcher) this.#armed = false; // the call failed, so it set no watch
        if (zkCode(err) !== ZkCode.NoNode) throw err;
        // No directory yet: watch for its creation (a stat means it appeared meanwhile: list again).
        watcher = this.#arm();
        let stat;
        try {
          stat = await zk.exists(this.path, watcher);
        } catch (e) {
          if (watcher) this.#armed = false;
          throw e;
        }
        if (!stat) names = [];
      }
    }
    if (names === undefined || this.#stopped) return;
    const next = new Map<string, ZookeeperProvider | null>();
    const fresh: string[] = [];
    for (const name of names) {
      const known = this.#children.get(name);
      if (known !== undefined) next.set(name, known);
      else fresh.push(name);
    }
    for (let i = 0; i < fresh.length; i += DATA_BATCH) {
      const batch = fresh.slice(i, i + DATA_BATCH);
      const parsed = await Promise.all(batch.map((name) => this.#parse(name)));
      batch.forEach((name, j) => {
        const p = parsed[j];
        // A child that vanished between the listing and its data read is left out; the watch
        // (already fired for that change) brings the next listing.
        if (p !== undefined) next.set(name, p);
      });
    }
    if (this.#stopped) return;
    debug('zookeeper watch %s: %d children (%d new)', this.path, next.size, fresh.length);
    const changed = !this.#known || next.size !== this.#children.size || fresh.length > 0;
    this.#children = next;
    this.#known = true;
    this.#firstWaiters.release();
    if (changed) this.#onChange(this);
  }

  /** Parsed provider, null when unusable, undefined when the node vanished before its data was read. */
  async #parse(name: string): Promise<ZookeeperProvider | null | undefined> {
    let data: Buffer | undefined;
    if (this.layout.readsData) {
      const zk = this.#session.zk;
      if (!zk) return undefined;
      try {
        data = (await zk.getData(`${this.path}/${name}`)) ?? Buffer.alloc(0);
      } catch (err) {
        if (zkCode(err) === ZkCode.NoNode) return undefined;
        throw err;
      }
    }
    try {
      return this.layout.parseProvider({ name, data }, this.dir) ?? null;
    } catch {
      return null; // a layout must not throw on foreign data; if it does, the child is ignored
    }
  }
}
