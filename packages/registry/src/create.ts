import type { Registry } from '@meshlet/core';
import { LocalRegistry } from './local/registry.js';
import { MemoryRegistry } from './memory.js';
import { StaticRegistry } from './static.js';
import { MeshletAgentRegistry } from './agent/meshlet-agent.js';
import { MosnRegistry } from './agent/mosn.js';
import { MotanAgentRegistry } from './agent/motan-agent.js';
import { RedisRegistry } from './redis/registry.js';
import { ZookeeperRegistry } from './zookeeper/registry.js';
import { NacosRegistry } from './nacos/registry.js';
import { invalidArgument } from './validate.js';

/** Builds a registry from its URL (the whole string, scheme included). */
export type RegistryFactory = (url: string) => Registry;

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const factories = new Map<string, RegistryFactory>([
  ['memory', memoryFromUrl],
  ['static', staticFromUrl],
  ['local', localFromUrl],
  // Sidecar agents' APIs (bare: `withFallback` adds the health check and the way out).
  ['mosn', (url) => new MosnRegistry(url)],
  ['motan-agent', (url) => new MotanAgentRegistry(url)],
  ['meshlet', (url) => new MeshletAgentRegistry(url)],
  // Registries that talk to a server: their client libraries load on first connect, not here.
  ...['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'redis+cluster', 'rediss+cluster']
    .map((s): [string, RegistryFactory] => [s, (url) => new RedisRegistry(url)]),
  ['zookeeper', (url) => new ZookeeperRegistry(url)],
  ['zk', (url) => new ZookeeperRegistry(url)],
  ['nacos', (url) => new NacosRegistry(url)],
]);

/**
 * Makes `createRegistry` understand `scheme://...` (as grpc-js registers resolvers by name). A later
 * registration of the same scheme replaces the earlier one. The built-in schemes (memory, static,
 * local, the agents', redis and zookeeper) are entries of the table, not registered by importing
 * a module.
 */
export function registerRegistryScheme(scheme: string, factory: RegistryFactory): void {
  const s = scheme.toLowerCase();
  if (!SCHEME.test(s)) throw invalidArgument(`invalid registry scheme ${JSON.stringify(scheme)}`);
  if (typeof factory !== 'function') throw invalidArgument(`registry factory for ${s} must be a function`);
  factories.set(s, factory);
}

/** The schemes `createRegistry` understands, sorted. */
export function registrySchemes(): string[] {
  return [...factories.keys()].sort();
}

/**
 * A registry from a URL, or the registry itself when given one:
 * `memory`, `memory://` (a private store), `memory://name` (the process-wide store `name`),
 * `static://host:port,host:port?protocol=dubbo`, `static://dubbo://host:port,...`,
 * `local`, `local://` (the default directory), `local:///some/dir`, and any registered scheme.
 * Throws RpcError INVALID_ARGUMENT for an unknown scheme; the message names the scheme only, since
 * registry URLs may carry credentials.
 */
export function createRegistry(url: string | Registry): Registry {
  if (typeof url !== 'string') {
    if (isRegistry(url)) return url;
    throw invalidArgument('createRegistry needs a registry URL or a Registry');
  }
  const text = url.trim();
  const scheme = schemeOf(text);
  if (scheme === undefined) throw invalidArgument('registry URL has no scheme (expected e.g. local, memory://, static://host:port)');
  const factory = factories.get(scheme);
  if (!factory) throw invalidArgument(`unknown registry scheme "${scheme}" (known: ${registrySchemes().join(', ')})`);
  return factory(text);
}

/** `local` → `local`; `redis://h` → `redis`; lower case. */
function schemeOf(text: string): string | undefined {
  const colon = text.indexOf(':');
  const scheme = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  return SCHEME.test(scheme) ? scheme : undefined;
}

function isRegistry(value: unknown): value is Registry {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return ['register', 'unregister', 'subscribe', 'close'].every((m) => typeof r[m] === 'function');
}

/** What follows `scheme:` and an optional `//`. */
function rest(text: string): string {
  const colon = text.indexOf(':');
  if (colon < 0) return '';
  const after = text.slice(colon + 1);
  return after.startsWith('//') ? after.slice(2) : after;
}

function splitQuery(text: string): { body: string; query: URLSearchParams } {
  const q = text.indexOf('?');
  return q < 0 ? { body: text, query: new URLSearchParams() } : { body: text.slice(0, q), query: new URLSearchParams(text.slice(q + 1)) };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidArgument(`registry URL has a malformed ${what}`);
  }
}

function memoryFromUrl(url: string): Registry {
  const { body } = splitQuery(rest(url));
  return body === '' ? new MemoryRegistry() : new MemoryRegistry({ store: decode(body, 'memory store name') });
}

/**
 * `static://a:1,b:2?protocol=dubbo&k=v`. The trailing query (after the last comma) belongs to the
 * whole list: `protocol` as in StaticRegistryOptions, any other key becomes a parameter of every
 * endpoint (`weight` sets the weight).
 */
function staticFromUrl(url: string): Registry {
  const body = rest(url);
  const lastComma = body.lastIndexOf(',');
  const q = body.indexOf('?', lastComma + 1);
  const list = q < 0 ? body : body.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  const protocol = query.get('protocol') ?? undefined;
  query.delete('protocol');
  if (protocol !== undefined && !SCHEME.test(protocol)) throw invalidArgument(`static registry: invalid protocol ${JSON.stringify(protocol)}`);
  const shared = query.toString();
  const entries = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw invalidArgument('static registry URL lists no endpoints (static://host:port,...)');
  const withParams = shared === '' ? entries : entries.map((e) => `${e}${e.includes('?') ? '&' : '?'}${shared}`);
  return new StaticRegistry(withParams, { protocol });
}

function localFromUrl(url: string): Registry {
  const { body, query } = splitQuery(rest(url));
  if ([...query.keys()].length > 0) throw invalidArgument('local registry URL takes no query parameters');
  if (body === '') return new LocalRegistry();
  if (!body.startsWith('/')) throw invalidArgument('local registry URL takes an absolute path: local:///some/dir');
  return new LocalRegistry({ dir: decode(body, 'directory') });
}
