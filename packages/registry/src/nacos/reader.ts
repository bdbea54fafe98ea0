import type { Endpoint } from '@meshlet/core';
import { endpointSet } from '../endpoint-set.js';
import { CoalescedReads, FirstReadWaiters } from '../serial.js';
import { dubboEndpoint, type ListedHost } from './dubbo-naming.js';
import type { NacosHttp } from './http.js';
import type { NacosSettings } from './options.js';

const RETRY_MS = 1000;

/**
 * Keeps the endpoint set of one Nacos service: a full read (`/nacos/v1/ns/instance/list`) at
 * start, every `refreshMs`, and whenever `refresh()` is called (after our own writes, on a push).
 * A failed read keeps the last set (an outage does not empty anyone's provider list). Reads never
 * overlap.
 */
export class NacosServiceReader {
  readonly serviceName: string;
  readonly #http: NacosHttp;
  readonly #s: NacosSettings;
  readonly #onSet: (set: readonly Endpoint[]) => void;
  readonly #reads = new CoalescedReads(
    () => this.#read(),
    // A failed read is retried within a second (not a whole period later): a server that is back,
    // or a login that failed transiently, is seen soon.
    () => this.#schedule(Math.min(this.#s.refreshMs, RETRY_MS)),
  );
  readonly #firstWaiters = new FirstReadWaiters();
  #set: readonly Endpoint[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Extra list parameters (`udpPort`, `clientIP`) that ask the server to push changes. */
  readonly #extra: () => Record<string, string>;
  /** A listed host's endpoint by the naming's rules (Dubbo's by default), undefined to skip it. */
  readonly #parse: (host: ListedHost) => Endpoint | undefined;

  constructor(serviceName: string, http: NacosHttp, settings: NacosSettings, extra: () => Record<string, string>, onSet: (set: readonly Endpoint[]) => void, parse: (host: ListedHost) => Endpoint | undefined = dubboEndpoint) {
    this.serviceName = serviceName;
    this.#http = http;
    this.#s = settings;
    this.#extra = extra;
    this.#onSet = onSet;
    this.#parse = parse;
  }

  get set(): readonly Endpoint[] | undefined {
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
      ...this.#extra(),
    });
    if (this.#stopped) return;
    const hosts = parseHosts(body);
    if (hosts === undefined) throw new Error('nacos instance list: malformed answer');
    const endpoints: Endpoint[] = [];
    for (const h of hosts) {
      const e = this.#parse(h);
      if (e) endpoints.push(e);
    }
    this.#set = endpointSet(endpoints);
    this.#onSet(this.#set);
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
