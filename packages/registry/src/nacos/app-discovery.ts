import type { Endpoint, MetadataFetcher, ServiceKey } from '@meshlet/core';
import type { AppInstance } from '../app-level/instance.js';
import { appEndpoints, InstanceServicesCache, type InstanceServices } from '../app-level/instance-services.js';
import { CoalescedReads } from '../serial.js';
import { appInstanceOf } from './app-naming.js';
import { MAPPING_GROUP, type NacosConfig } from './config.js';
import type { ConfigWatch } from './config-watch.js';
import type { NacosReader, ReaderOptions } from './listed-set.js';

/** What a discovery needs from its registry. */
export interface AppDiscoveryContext {
  readonly config: NacosConfig;
  readonly watch: ConfigWatch;
  readonly fetch: MetadataFetcher;
  readonly timeoutMs: number;
  readonly refreshMs: number;
  /** A reader of one application's Nacos service, started. */
  readonly reader: (application: string, options: Pick<ReaderOptions<AppInstance>, 'toItems' | 'onSet'>) => NacosReader<AppInstance>;
  readonly matches: (wanted: ServiceKey, provided: ServiceKey) => boolean;
  readonly onChange: (d: NacosAppDiscovery) => void;
}

/**
 * Application-level discovery of one interface on Nacos, as a Dubbo 3 consumer does it: the
 * mapping config (data id = interface, group `mapping`) names the applications, watched with the
 * config long poll; each application's Nacos service lists its instances (read and pushed like
 * any service); each instance's MetadataService tells which services it has (once per
 * application and revision).
 */
export class NacosAppDiscovery {
  readonly subs = new Set<object>();
  readonly interface: string;
  readonly #c: AppDiscoveryContext;
  readonly #services: InstanceServicesCache;
  readonly #readers = new Map<string, NacosReader<AppInstance>>();
  readonly #mappingReads = new CoalescedReads(() => this.#readMapping(), () => this.#scheduleMapping(1000));
  readonly #composes = new CoalescedReads(() => this.#compose(), () => {});
  #unwatch: (() => void) | undefined;
  #instances: { instance: AppInstance; services: InstanceServices }[] = [];
  #mappingTimer: NodeJS.Timeout | undefined;
  #known = false;
  /** The mapping was read once: before that, a reader's set is not the whole picture. */
  #mapped = false;
  #stopped = false;
  #firstDone!: () => void;
  readonly #first = new Promise<void>((resolve) => (this.#firstDone = resolve));

  constructor(iface: string, context: AppDiscoveryContext) {
    this.interface = iface;
    this.#c = context;
    this.#services = new InstanceServicesCache(context.fetch, () => void this.#composes.refresh());
  }

  get known(): boolean {
    return this.#known;
  }

  /** The applications' readers (a push for one of them reads it again). */
  readers(): Iterable<NacosReader<AppInstance>> {
    return this.#readers.values();
  }

  start(): void {
    void this.#mappingReads.refresh();
  }

  /** Resolves after the first full read, or after `timeoutMs` (Nacos or an instance unreachable). */
  firstRead(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.#first, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(timer));
  }

  /** Reads the mapping and every application again. */
  async refresh(): Promise<void> {
    await this.#mappingReads.refresh();
    await Promise.all([...this.#readers.values()].map((r) => r.refresh().catch(() => {})));
  }

  stop(): void {
    this.#stopped = true;
    this.#services.stop();
    this.#unwatch?.();
    if (this.#mappingTimer) clearTimeout(this.#mappingTimer);
    for (const r of this.#readers.values()) r.stop();
    this.#readers.clear();
  }

  endpointsFor(wanted: ServiceKey): Endpoint[] {
    return appEndpoints(this.#instances, wanted, this.#c.matches);
  }

  async #readMapping(): Promise<void> {
    if (this.#stopped) return;
    const content = await this.#c.config.get(this.interface, MAPPING_GROUP);
    if (this.#stopped) return;
    if (this.#unwatch) this.#c.watch.seen(this.interface, MAPPING_GROUP, content);
    else this.#unwatch = this.#c.watch.watch(this.interface, MAPPING_GROUP, content, () => void this.#mappingReads.refresh());
    const apps = new Set((content ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    for (const [app, reader] of this.#readers) {
      if (apps.has(app)) continue;
      reader.stop();
      this.#readers.delete(app);
    }
    const added: NacosReader<AppInstance>[] = [];
    for (const app of apps) {
      if (this.#readers.has(app)) continue;
      const reader = this.#c.reader(app, {
        toItems: (hosts) => hosts.map((h) => appInstanceOf(app, h)).filter((i): i is AppInstance => i !== undefined),
        onSet: () => void this.#composes.refresh(),
      });
      this.#readers.set(app, reader);
      added.push(reader);
    }
    await Promise.all(added.map((r) => r.firstRead(this.#c.timeoutMs)));
    this.#mapped = true;
    await this.#composes.refresh();
    // The long poll tells of changes; this slow re-read covers a server that lost the listener.
    this.#scheduleMapping(this.#c.refreshMs);
  }

  #scheduleMapping(ms: number): void {
    if (this.#stopped) return;
    if (this.#mappingTimer) clearTimeout(this.#mappingTimer);
    this.#mappingTimer = setTimeout(() => void this.#mappingReads.refresh(), ms);
    this.#mappingTimer.unref();
  }

  async #compose(): Promise<void> {
    if (this.#stopped || !this.#mapped) return;
    const instances = [...this.#readers.values()].flatMap((r) => r.set ?? []);
    const resolved = await this.#services.resolve(instances);
    if (this.#stopped) return;
    this.#instances = resolved;
    if (!this.#known) {
      this.#known = true;
      this.#firstDone();
    }
    this.#c.onChange(this);
  }
}
