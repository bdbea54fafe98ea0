import { Code, RpcError, type ConfigSource } from '@meshlet/core';
import { NacosConfigSource } from './nacos.js';
import { ZookeeperConfigSource } from './zookeeper.js';

/** Builds a config source from a registry URL (the whole string, scheme included). */
export type ConfigSourceFactory = (url: string) => ConfigSource;

const factories = new Map<string, ConfigSourceFactory>([
  ['zookeeper', (url) => new ZookeeperConfigSource(url)],
  ['zk', (url) => new ZookeeperConfigSource(url)],
  ['nacos', (url) => new NacosConfigSource(url)],
]);

/**
 * The config centre on the servers of a registry URL, as Dubbo uses its registry as config centre
 * when none is configured: `zookeeper://` (Dubbo's `/dubbo/config/{group}/{key}` nodes) and
 * `nacos://` (configs with data id = key). It opens its own connection on first use. Throws
 * RpcError INVALID_ARGUMENT for a scheme without one (`hasConfigSource` tells beforehand).
 */
export function createConfigSource(url: string): ConfigSource {
  const factory = factories.get(schemeOf(url) ?? '');
  if (factory === undefined) {
    throw new RpcError(Code.InvalidArgument, `no config source for registry scheme "${schemeOf(url) ?? ''}" (have: ${[...factories.keys()].sort().join(', ')})`);
  }
  return factory(url.trim());
}

/** Whether `createConfigSource(url)` knows the URL's scheme. */
export function hasConfigSource(url: string): boolean {
  return factories.has(schemeOf(url) ?? '');
}

/** Makes `createConfigSource` understand `scheme://...`; a later registration replaces an earlier one. */
export function registerConfigSourceScheme(scheme: string, factory: ConfigSourceFactory): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme.toLowerCase()) || typeof factory !== 'function') {
    throw new RpcError(Code.InvalidArgument, `invalid config source scheme ${JSON.stringify(scheme)} or factory`);
  }
  factories.set(scheme.toLowerCase(), factory);
}

function schemeOf(url: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url);
  return m?.[1]!.toLowerCase();
}
