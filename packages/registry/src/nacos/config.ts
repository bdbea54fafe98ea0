import { createHash } from 'node:crypto';
import { Code, RpcError } from '@meshlet/core';
import { parseMapping } from '../app-level/instance.js';
import { NacosHttpError, type NacosHttp } from './http.js';
import type { NacosSettings } from './options.js';

/** Dubbo 3's config group of interface → application mappings (ServiceNameMapping.DEFAULT_MAPPING_GROUP). */
export const MAPPING_GROUP = 'mapping';

/** Nacos' content checksum: the md5 of the UTF-8 text, hex (what `casMd5` and the listener compare). */
export function contentMd5(content: string): string {
  return createHash('md5').update(content, 'utf8').digest('hex');
}

/**
 * Nacos' config API v1 (`/nacos/v1/cs/configs`) in the registry's namespace (the config tenant):
 * what Dubbo 3's NacosMetadataReport keeps there is the interface → application mapping, data id
 * = the interface, group `mapping`, content = the comma-joined application names.
 */
export class NacosConfig {
  readonly #http: NacosHttp;
  readonly #s: NacosSettings;

  constructor(http: NacosHttp, settings: NacosSettings) {
    this.#http = http;
    this.#s = settings;
  }

  /** The content, or undefined when there is no such config (HTTP 404). */
  async get(dataId: string, group: string): Promise<string | undefined> {
    try {
      return await this.#http.request('GET', '/nacos/v1/cs/configs', { dataId, group, tenant: this.#s.namespace });
    } catch (err) {
      if (err instanceof NacosHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Writes the content; with `casMd5` (the md5 of the content it replaces, "" for none) Apache
   * Nacos refuses the write when the stored content changed meanwhile, as Java's publishConfigCas
   * asks it to (a header of the v1 API). r-nacos ignores the header: callers read back.
   */
  async publish(dataId: string, group: string, content: string, casMd5?: string): Promise<void> {
    const body = await this.#http.request('POST', '/nacos/v1/cs/configs', { dataId, group, tenant: this.#s.namespace, content, type: 'text' },
      casMd5 === undefined ? {} : { headers: { casMd5 } });
    if (body.trim() !== 'true') throw new RpcError(Code.Unavailable, `nacos config ${group}/${dataId}: publish answered ${JSON.stringify(body.slice(0, 100))}`);
  }

  /** The applications mapped to `iface`; none when the config is missing. */
  async mapping(iface: string): Promise<string[]> {
    return parseMapping(await this.get(iface, MAPPING_GROUP));
  }

  /**
   * Adds `application` to `iface`'s mapping as Dubbo 3 does: read, append, write with the read
   * content's md5, and retry when another provider wrote in between (read back to see it, since
   * a server without compare-and-set accepts the write and drops theirs or ours). The mapping is
   * never shrunk: an application that stops stays listed, as in Java.
   */
  async addToMapping(iface: string, application: string, attempts = 10): Promise<void> {
    for (let i = 0; i < attempts; i++) {
      const current = await this.get(iface, MAPPING_GROUP);
      const apps = parseMapping(current);
      if (apps.includes(application)) return;
      try {
        await this.publish(iface, MAPPING_GROUP, [...apps, application].join(','), current === undefined ? '' : contentMd5(current));
      } catch (err) {
        // A compare-and-set refusal (another writer won; Apache Nacos answers 500 RESOURCE_CONFLICT): read again.
        if (err instanceof NacosHttpError && err.status !== 401 && err.status !== 403) continue;
        throw err;
      }
    }
    throw new RpcError(Code.Unavailable, `nacos registry: the mapping of ${iface} kept changing under ${attempts} writes`);
  }
}
