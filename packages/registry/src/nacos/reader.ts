import { CoalescedReads } from '../serial.js';
import type { ListedHost } from './dubbo-naming.js';
import type { NacosHttp } from './http.js';
import { ListedSet, type ReaderOptions } from './listed-set.js';
import type { NacosSettings } from './options.js';

/**
 * Keeps the instances of one Nacos service over HTTP: a full read (`/nacos/v1/ns/instance/list`)
 * at start, every `refreshMs`, and whenever `refresh()` is called (after our own writes, on a
 * push). A failed read keeps the last set (an outage does not empty anyone's provider list).
 * Reads never overlap.
 */
export class NacosServiceReader<T> extends ListedSet<T> {
  readonly #http: NacosHttp;
  readonly #s: NacosSettings;
  readonly #reads = new CoalescedReads(() => this.#read(), () => this.retrySoon());

  constructor(serviceName: string, http: NacosHttp, settings: NacosSettings, options: ReaderOptions<T>) {
    super(serviceName, settings.refreshMs, options);
    this.#http = http;
    this.#s = settings;
  }

  start(): void {
    void this.refresh();
  }

  refresh(): Promise<void> {
    return this.#reads.refresh();
  }

  async #read(): Promise<void> {
    if (this.stopped) return;
    const body = await this.#http.request('GET', '/nacos/v1/ns/instance/list', {
      serviceName: this.serviceName,
      groupName: this.#s.group,
      namespaceId: this.#s.namespace,
      healthyOnly: 'false',
      ...this.options.extra(),
    });
    if (this.stopped) return;
    const hosts = parseHosts(body);
    if (hosts === undefined) throw new Error('nacos instance list: malformed answer');
    this.accept(hosts);
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
