import { CoalescedReads, FirstReadWaiters } from '../serial.js';
import type { ListedHost } from './dubbo-naming.js';
import type { NacosHttp } from './http.js';
import type { NacosSettings } from './options.js';

const RETRY_MS = 1000;

/** How a reader turns the listed hosts into what its subscribers get, and when an empty read waits. */
export interface ReaderOptions<T> {
  /** The items of one read (endpoints, application instances); malformed hosts are left out. */
  readonly toItems: (hosts: readonly ListedHost[]) => readonly T[];
  /** True while an empty read must not replace a non-empty set (see NacosRegistry's empty protection). */
  readonly holdEmpty: () => boolean;
  /** Extra list parameters (`udpPort`, `clientIP`) that ask the server to push changes. */
  readonly extra: () => Record<string, string>;
  readonly onSet: (set: readonly T[]) => void;
}

/**
 * Keeps the instances of one Nacos service: a full read (`/nacos/v1/ns/instance/list`) at start,
 * every `refreshMs`, and whenever `refresh()` is called (after our own writes, on a push). A
 * failed read keeps the last set (an outage does not empty anyone's provider list), and so does
 * an empty read while `holdEmpty()` says the server may have just restarted (it is read again
 * each second until the instances are back or the hold ends). Reads never overlap.
 */
export class NacosServiceReader<T> {
  readonly serviceName: string;
  readonly #http: NacosHttp;
  readonly #s: NacosSettings;
  readonly #o: ReaderOptions<T>;
  readonly #reads = new CoalescedReads(
    () => this.#read(),
    // A failed read is retried within a second (not a whole period later): a server that is back,
    // or a login that failed transiently, is seen soon.
    () => this.#schedule(Math.min(this.#s.refreshMs, RETRY_MS)),
  );
  readonly #firstWaiters = new FirstReadWaiters();
  #set: readonly T[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(serviceName: string, http: NacosHttp, settings: NacosSettings, options: ReaderOptions<T>) {
    this.serviceName = serviceName;
    this.#http = http;
    this.#s = settings;
    this.#o = options;
  }

  get set(): readonly T[] | undefined {
    return this.#set;
  }

  start(): void {
    void this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstWaiters.release();
  }

  firstRead(timeoutMs: number): Promise<void> {
    if (this.#set !== undefined || this.#stopped) return Promise.resolve();
    return this.#firstWaiters.wait(timeoutMs);
  }

  refresh(): Promise<void> {
    return this.#reads.refresh();
  }

  async #read(): Promise<void> {
    if (this.#stopped) return;
    const body = await this.#http.request('GET', '/nacos/v1/ns/instance/list', {
      serviceName: this.serviceName,
      groupName: this.#s.group,
      namespaceId: this.#s.namespace,
      healthyOnly: 'false',
      ...this.#o.extra(),
    });
    if (this.#stopped) return;
    const hosts = parseHosts(body);
    if (hosts === undefined) throw new Error('nacos instance list: malformed answer');
    const items = this.#o.toItems(hosts);
    if (items.length === 0 && (this.#set?.length ?? 0) > 0 && this.#o.holdEmpty()) {
      this.#schedule(Math.min(this.#s.refreshMs, RETRY_MS));
      return;
    }
    this.#set = items;
    this.#o.onSet(items);
    this.#firstWaiters.release();
    this.#schedule();
  }

  #schedule(ms = this.#s.refreshMs): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), ms);
    this.#timer.unref();
  }
}

function parseHosts(body: string): ListedHost[] | undefined {
  try {
    const o = JSON.parse(body) as { hosts?: unknown };
    return Array.isArray(o?.hosts) ? (o.hosts as ListedHost[]) : undefined;
  } catch {
    return undefined;
  }
}
