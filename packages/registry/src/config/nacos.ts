import { debuglog } from 'node:util';
import { Code, configGroup, RpcError, type ConfigListener, type ConfigSource } from '@meshlet/core';
import { NacosConfig } from '../nacos/config.js';
import { ConfigWatch } from '../nacos/config-watch.js';
import { NacosHttp } from '../nacos/http.js';
import { nacosSettings, type NacosRegistryOptions } from '../nacos/options.js';
import { WatchedDoc, watchDoc } from './watched-doc.js';

const debug = debuglog('meshlet-registry');
const RETRY_MS = 1000;

/**
 * Dubbo's Nacos config centre (NacosDynamicConfiguration): a document is the Nacos config with
 * data id = key and group = group (`dubbo` by default) in the registry URL's namespace, read over
 * the v1 config API and kept current with its long-poll listener (the registry's own `NacosConfig`
 * and `ConfigWatch`). A failed read is retried every second and keeps the last known content.
 */
export class NacosConfigSource implements ConfigSource {
  readonly name = 'nacos';
  readonly #config: NacosConfig;
  readonly #watch: ConfigWatch;
  readonly #http: NacosHttp;
  readonly #namespace: string;
  readonly #docs = new Map<string, Doc>();
  #closed = false;

  constructor(options: NacosRegistryOptions | string) {
    const settings = nacosSettings(options);
    const http = new NacosHttp(settings);
    this.#http = http;
    this.#namespace = settings.namespace;
    this.#config = new NacosConfig(http, settings);
    this.#watch = new ConfigWatch(http, settings);
  }

  watch(key: string, group: string | undefined, listener: ConfigListener): () => void {
    checkKey(key);
    if (this.#closed) return () => {};
    const g = configGroup(group);
    return watchDoc(this.#docs, `${g}\u0000${key}`, () => new Doc(key, g, this.#config, this.#watch), listener);
  }

  async publish(key: string, group: string | undefined, content: string): Promise<void> {
    checkKey(key);
    await this.#config.publish(key, configGroup(group), content);
  }

  async remove(key: string, group: string | undefined): Promise<void> {
    checkKey(key);
    // Nacos answers true also when there was nothing to delete.
    await this.#http.request('DELETE', '/nacos/v1/cs/configs', { dataId: key, group: configGroup(group), tenant: this.#namespace });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const d of this.#docs.values()) d.stop();
    this.#docs.clear();
    this.#watch.stop();
  }
}

class Doc extends WatchedDoc {
  #unwatch: (() => void) | undefined;
  #stopped = false;
  #reading = false;
  #again = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly key: string,
    private readonly group: string,
    private readonly config: NacosConfig,
    private readonly watcher: ConfigWatch,
  ) {
    super(`${group}/${key}`);
  }

  override start(): void {
    void this.#read();
  }

  override stop(): void {
    this.#stopped = true;
    this.listeners.clear();
    this.#unwatch?.();
    if (this.#retry) clearTimeout(this.#retry);
  }

  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    try {
      let content: string | undefined;
      try {
        content = await this.config.get(this.key, this.group);
      } catch (err) {
        debug('nacos config %s/%s: read failed: %s', this.group, this.key, err instanceof Error ? err.message : String(err));
        if (!this.#stopped) this.#retry = setTimeout(() => void this.#read(), RETRY_MS).unref();
        return;
      }
      if (this.#stopped) return;
      if (this.#unwatch === undefined) this.#unwatch = this.watcher.watch(this.key, this.group, content, () => void this.#read());
      else this.watcher.seen(this.key, this.group, content);
      this.deliver(content);
    } finally {
      this.#reading = false;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        void this.#read();
      }
    }
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new RpcError(Code.InvalidArgument, `nacos config source: invalid key ${JSON.stringify(key)}`);
}
