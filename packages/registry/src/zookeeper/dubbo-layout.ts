import {
  formatProviderUrl, normalizeVersion, registrationParams, sortedQuery,
  type Endpoint, type Registration, type ServiceKey, type Subscriber,
} from '@meshlet/core';
import { advertiseHost } from '@meshlet/core/runtime';
import { invalidArgument } from '../validate.js';
import { javaUrlDecode, javaUrlEncode, parseServiceUrl, urlHost } from './java-url.js';
import { checkParams, endpointOf, extraParams, pathPart, type ZookeeperLayout, type ZookeeperProvider } from './layout.js';

export interface DubboLayoutOptions {
  /** The root node, Dubbo's registry `group`. Default `dubbo`. */
  readonly root?: string | undefined;
  /** The `release=` parameter (the framework version Java logs). Default `meshlet-0.1.0`. */
  readonly release?: string | undefined;
  /**
   * Builds the provider URL instead of this layout (e.g. `dubbo().toUrl` from
   * @meshlet/transport-dubbo). Called once per registration: the node keeps that name.
   */
  readonly toUrl?: ((registration: Registration) => string) | undefined;
  /** Reads a provider URL instead of this layout (e.g. `dubbo().fromUrl`). */
  readonly fromUrl?: ((url: string) => ZookeeperProvider | undefined) | undefined;
}

/** Keys the layout writes itself; endpoint params with these names are not copied. */
const RESERVED = new Set([
  'anyhost', 'application', 'category', 'deprecated', 'dubbo', 'dynamic', 'generic', 'group', 'interface',
  'methods', 'pid', 'release', 'serialization', 'side', 'timestamp', 'version', 'weight',
]);

/**
 * Dubbo's interface-level layout (dubbo.md §3), what Java Dubbo 2.x/3.x and the Node Dubbo
 * packages read: `/dubbo/{interface}/providers/{URL.encode(provider URL)}`, ephemeral. The URL is
 * `Java URL.toFullString()`-shaped: parameters sorted by key, `methods=` sorted, no `group=` or
 * `version=` when unset (a Java consumer compares them exactly, null ≠ ""), values unescaped.
 */
export function dubboLayout(options: DubboLayoutOptions = {}): ZookeeperLayout {
  const root = pathPart(options.root ?? 'dubbo', 'Dubbo root');
  const release = options.release ?? 'meshlet-0.1.0';
  const dir = (iface: string) => `/${root}/${javaUrlEncode(iface)}/providers`;
  return {
    name: 'dubbo',
    readsData: false,
    providersPath: (service) => dir(service.interface),
    providerNode(registration) {
      const url = options.toUrl ? options.toUrl(registration) : dubboProviderUrl(registration, release);
      return { path: `${dir(registration.service.interface)}/${javaUrlEncode(url)}` };
    },
    consumerNode(service, subscriber) {
      return { path: `/${root}/${javaUrlEncode(service.interface)}/consumers/${javaUrlEncode(dubboConsumerUrl(service, subscriber, release))}` };
    },
    parseProvider(child) {
      const text = javaUrlDecode(child.name);
      if (text === undefined) return undefined;
      return options.fromUrl ? options.fromUrl(text) : parseDubboProvider(text);
    },
    matches: (wanted, provided) =>
      wanted.interface === provided.interface && none(normalizeVersion(wanted.version)) === none(normalizeVersion(provided.version)) && none(wanted.group) === none(provided.group),
  };
}

/** Dubbo has one "none": absent, empty and (for versions) `0.0.0` all mean unset. */
function none(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** The provider URL Java Dubbo would register for this registration. */
export function dubboProviderUrl(registration: Registration, release: string): string {
  const { service, endpoint: ep } = registration;
  const params = registrationParams(registration, {
    ...extraParams(registration, RESERVED),
    anyhost: 'false',
    category: 'providers',
    deprecated: 'false',
    dubbo: '2.0.2',
    dynamic: 'true',
    generic: 'false',
    interface: service.interface,
    methods: [...new Set(registration.methods)].sort().join(','),
    pid: String(process.pid),
    release,
    serialization: ep.params.serialization ?? 'hessian2',
    side: 'provider',
    timestamp: String(Date.now()),
  });
  if (params.methods === '') delete params.methods;
  checkParams(params);
  if (/[/?#\s]/.test(service.interface)) throw invalidArgument('zookeeper registry: a Dubbo interface name cannot hold "/", "?", "#" or spaces');
  return formatProviderUrl(ep.protocol, ep, service.interface, sortedQuery(params));
}

/**
 * The consumer URL Java Dubbo registers when it refers a service (`category=consumers`), which
 * dubbo-admin lists: `consumer://{local address}/{interface}?…`, parameters sorted, no group or
 * version keys when unset.
 */
export function dubboConsumerUrl(service: ServiceKey, subscriber: Subscriber, release: string): string {
  const params: Record<string, string> = {
    category: 'consumers',
    check: 'false',
    dubbo: '2.0.2',
    interface: service.interface,
    pid: String(process.pid),
    release,
    side: 'consumer',
    sticky: 'false',
    timestamp: String(Date.now()),
  };
  if (subscriber.application) params.application = subscriber.application;
  const methods = [...new Set(subscriber.methods ?? [])].sort().join(',');
  if (methods) params.methods = methods;
  const version = normalizeVersion(service.version);
  if (version) params.version = version;
  if (service.group) params.group = service.group;
  checkParams(params);
  if (/[/?#\s]/.test(service.interface)) throw invalidArgument('zookeeper registry: a Dubbo interface name cannot hold "/", "?", "#" or spaces');
  const query = sortedQuery(params);
  return `consumer://${urlHost(localAddress())}/${service.interface}?${query}`;
}

/** This host's address as providers publish theirs (Java's NetUtils; `MESHLET_IP_TO_REGISTRY` wins). */
function localAddress(): string {
  return advertiseHost(undefined);
}

/**
 * A provider URL as Java writes it: interface from `interface=` (else the path), version and
 * group from `version`/`group` (else the 2.x `default.` spellings), `category` other than
 * `providers` and `enabled=false` skipped, as Java's UrlUtils.isMatch does.
 */
export function parseDubboProvider(text: string): ZookeeperProvider | undefined {
  const url = parseServiceUrl(text);
  if (!url) return undefined;
  const p = url.params;
  if (p.category !== undefined && p.category !== 'providers') return undefined;
  if (p.enabled === 'false') return undefined;
  const iface = p.interface || url.path;
  if (!iface) return undefined;
  const version = normalizeVersion(p.version ?? p['default.version']);
  const group = (p.group ?? p['default.group']) || undefined;
  const endpoint: Endpoint = endpointOf(url);
  const service: ServiceKey = { interface: iface, ...(version !== undefined ? { version } : {}), ...(group !== undefined ? { group } : {}) };
  return { service, endpoint };
}
