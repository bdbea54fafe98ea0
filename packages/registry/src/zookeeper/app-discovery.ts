import type { Endpoint, MetadataFetcher, ServiceKey } from '@meshlet/core';
import { appEndpoints, InstanceServicesCache, type InstanceServices } from '../app-level/instance-services.js';
import { instancesPath, mappingPath, parseInstance, type AppInstance } from './app-layout.js';
import { readMapping } from './app-mapping.js';
import type { ZookeeperLayout } from './layout.js';
import type { ZkSession } from './session.js';
import { zkCode, ZkCode } from './zk.js';


/**
 * Application-level discovery of one interface, as a Dubbo 3 consumer does it: the mapping
 * (`/dubbo/mapping/{interface}`) names the applications, `/services/{app}` lists their instances,
 * and each instance's MetadataService tells which services it has (`getMetadataInfo(revision)`,
 * fetched once per application and revision). Every read sets a watch; a watch event, the
 * registry's periodic refresh or a reconnect re-reads everything and reports a change.
 */
export class AppDiscovery {
  readonly subs = new Set<object>();
  readonly #mapping: string;
  readonly #chroot: string;
  readonly #session: ZkSession;
  readonly #layout: ZookeeperLayout;
  readonly #services: InstanceServicesCache;
  readonly #onChange: (d: AppDiscovery) => void;
  #instances: { instance: AppInstance; services: InstanceServices }[] = [];
  /** Watches set and not yet fired (`kind:path`): ZooKeeper keeps one per read, so a re-read sets none twice. */
  readonly #armed = new Set<string>();
  #known = false;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #firstRead: Promise<void>;
  #firstDone!: () => void;

  constructor(iface: string, chroot: string, session: ZkSession, layout: ZookeeperLayout, fetch: MetadataFetcher, onChange: (d: AppDiscovery) => void) {
    this.#mapping = mappingPath(iface);
    this.#chroot = chroot;
    this.#session = session;
    this.#layout = layout;
    this.#services = new InstanceServicesCache(fetch, () => void this.refresh());
    this.#onChange = onChange;
    this.#firstRead = new Promise((resolve) => (this.#firstDone = resolve));
  }

  /** True once the first full read finished (whatever it found). */
  get known(): boolean {
    return this.#known;
  }

  /** Resolves after the first full read, or after `timeoutMs` (ZooKeeper or an instance unreachable). */
  firstRead(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.#firstRead, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(timer));
  }

  /** Re-reads everything (at most one read at a time; a request during a read runs once more after it). */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#read().catch(() => {}); // unreachable: keep what is known, the next event or refresh retries
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    this.#services.stop();
  }

  /** A new session has none of the old watches. */
  disarm(): void {
    this.#armed.clear();
  }

  #watch(kind: 'data' | 'children', path: string): ((event: unknown) => void) | undefined {
    const key = `${kind}:${path}`;
    if (this.#armed.has(key)) return undefined;
    this.#armed.add(key);
    return () => {
      this.#armed.delete(key);
      void this.refresh();
    };
  }

  /** The endpoints of instances whose metadata lists a service matching `wanted` (by the Dubbo layout's rules). */
  endpointsFor(wanted: ServiceKey): Endpoint[] {
    return appEndpoints(this.#instances, wanted, (w, p) => this.#layout.matches(w, p));
  }

  async #read(): Promise<void> {
    const zk = this.#session.zk;
    if (!zk || !this.#session.connected) return;
    const path = this.#chroot + this.#mapping;
    // A missing mapping node sets no data watch: an exists watch tells of its creation.
    if ((await zk.exists(path, this.#watch('data', path))) === null) {
      this.#publish([]);
      return;
    }
    const apps = await readMapping(zk, path);
    const found: AppInstance[] = [];
    for (const app of apps) {
      const dir = this.#chroot + instancesPath(app);
      let ids: string[];
      try {
        ids = await zk.getChildren(dir, this.#watch('children', dir));
      } catch (err) {
        if (zkCode(err) !== ZkCode.NoNode) throw err;
        this.#armed.delete(`children:${dir}`);
        await zk.exists(dir, this.#watch('data', dir));
        continue;
      }
      for (const id of ids) {
        try {
          const node = `${dir}/${id}`;
          const watcher = this.#watch('data', node);
          const cb = ((e: unknown, d: Buffer | null) => (e ? reject(e) : resolve(d))) as never;
          let resolve!: (d: Buffer | null) => void;
          let reject!: (e: unknown) => void;
          const read = new Promise<Buffer | null>((res, rej) => ((resolve = res), (reject = rej)));
          if (watcher) zk.client.getData(node, watcher as never, cb);
          else zk.client.getData(node, cb);
          let timer: NodeJS.Timeout | undefined;
          const data = await Promise.race([read, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no answer reading ${node}`)), 5000)))])
            .finally(() => clearTimeout(timer));
          const instance = data ? parseInstance(data) : undefined;
          if (instance) found.push(instance);
        } catch (err) {
          this.#armed.delete(`data:${dir}/${id}`);
          if (zkCode(err) !== ZkCode.NoNode) throw err; // gone meanwhile
        }
      }
    }
    this.#publish(await this.#services.resolve(found));
  }

  #publish(instances: { instance: AppInstance; services: InstanceServices }[]): void {
    if (this.#stopped) return;
    this.#instances = instances;
    if (!this.#known) {
      this.#known = true;
      this.#firstDone();
    }
    this.#onChange(this);
  }
}
