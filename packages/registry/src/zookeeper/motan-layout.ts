import { endpoint, type Registration, type ServiceKey, type Subscriber } from '@meshlet/core';
import { advertiseHost } from '@meshlet/core/runtime';
import { parseServiceUrl, urlHost } from './java-url.js';
import { checkParams, endpointOf, extraParams, pathPart, type ZookeeperChild, type ZookeeperLayout, type ZookeeperProvider } from './layout.js';

export interface MotanLayoutOptions {
  /** The group of services registered without one, and subscribed without one. Default `default_rpc` (Motan's). */
  readonly defaultGroup?: string | undefined;
}

const RESERVED = new Set(['group', 'nodeType', 'version', 'application']);
/** Motan's default service version: absent on one side equals `1.0` on the other. */
const DEFAULT_VERSION = '1.0';

/**
 * Motan's layout (motan.md §3.5), the same in Java Motan and motan-go:
 * `/motan/{group}/{service}/server/{ip:port}`, ephemeral, the node data the URL "ext info"
 * `motan2://ip:port/{service}?group={group}&k=v...` (parameters sorted, as motan-go writes them).
 * Matching follows Java Motan: the group is the path's, versions compare with `1.0` as default.
 * Node data written by Java's default serializer (a Java-serialized String) is read too.
 */
export function motanLayout(options: MotanLayoutOptions = {}): ZookeeperLayout {
  const defaultGroup = pathPart(options.defaultGroup ?? 'default_rpc', 'Motan default group');
  const dir = (service: ServiceKey) => `/motan/${pathPart(service.group ?? defaultGroup, 'Motan group')}/${pathPart(service.interface, 'service')}/server`;
  return {
    name: 'motan',
    readsData: true,
    providersPath: dir,
    providerNode(registration) {
      const { host, port } = registration.endpoint;
      return { path: `${dir(registration.service)}/${host}:${port}`, data: Buffer.from(motanExtInfo(registration, defaultGroup), 'utf8') };
    },
    // Java motan's referer lists itself at /motan/{group}/{service}/client/{ip} (its port is 0,
    // left out of the name), data its URL; motan's manager reads callers there.
    consumerNode(service, subscriber) {
      const host = advertiseHost('0.0.0.0');
      const group = pathPart(service.group ?? defaultGroup, 'Motan group');
      return {
        path: `/motan/${group}/${pathPart(service.interface, 'service')}/client/${host}`,
        data: Buffer.from(motanRefererInfo(service, subscriber, host, group), 'utf8'),
      };
    },
    parseProvider: parseMotanProvider,
    matches: (wanted, provided) =>
      wanted.interface === provided.interface &&
      (wanted.group ?? defaultGroup) === (provided.group ?? defaultGroup) &&
      (wanted.version ?? DEFAULT_VERSION) === (provided.version ?? DEFAULT_VERSION),
  };
}

/** motan-go's `URL.ToExtInfo()`: `protocol://host:port/path?group=g` then the other params sorted. */
export function motanExtInfo(registration: Registration, defaultGroup: string): string {
  const { service, endpoint: ep } = registration;
  const params: Record<string, string> = { ...extraParams(registration, RESERVED), nodeType: 'service' };
  if (service.version !== undefined) params.version = service.version;
  if (registration.application) params.application = registration.application;
  const group = service.group ?? defaultGroup;
  checkParams({ ...params, group });
  const rest = Object.keys(params).sort().map((k) => `&${k}=${params[k]}`).join('');
  return `${ep.protocol}://${urlHost(ep.host)}:${ep.port}/${service.interface}?group=${group}${rest}`;
}

/** A referer's URL as Java motan writes its client node: port 0, `nodeType=referer`. */
export function motanRefererInfo(service: ServiceKey, subscriber: Subscriber, host: string, group: string): string {
  const params: Record<string, string> = { nodeType: 'referer', protocol: 'motan2', version: service.version ?? DEFAULT_VERSION };
  if (subscriber.application) params.application = subscriber.application;
  checkParams({ ...params, group });
  const rest = Object.keys(params).sort().map((k) => `&${k}=${params[k]}`).join('');
  return `motan2://${urlHost(host)}:0/${service.interface}?group=${group}${rest}`;
}

/** `/motan/{group}/{service}/server` → group and service. */
function groupAndService(dir: string): { group: string; service: string } | undefined {
  const parts = dir.split('/');
  const [, motan, group, service, server] = parts;
  if (parts.length !== 5 || motan !== 'motan' || server !== 'server' || !group || !service) return undefined;
  return { group, service };
}

export function parseMotanProvider(child: ZookeeperChild, dir: string): ZookeeperProvider | undefined {
  const where = groupAndService(dir);
  if (!where) return undefined;
  const text = child.data === undefined ? '' : motanNodeText(child.data);
  const url = text === '' ? undefined : parseServiceUrl(text);
  if (!url) {
    // Old motan-go wrote no data: the node name is the address.
    const colon = child.name.lastIndexOf(':');
    const port = Number(child.name.slice(colon + 1));
    const host = child.name.slice(0, colon);
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
    return { service: { interface: where.service, group: where.group }, endpoint: endpoint('motan2', host, port) };
  }
  if (url.path !== '' && url.path !== where.service) return undefined;
  if (url.params.nodeType !== undefined && url.params.nodeType !== 'service') return undefined;
  const version = url.params.version || undefined;
  return { service: { interface: where.service, group: where.group, ...(version ? { version } : {}) }, endpoint: endpointOf(url) };
}

/**
 * Node data as text: plain UTF-8 (motan-go, Java's StringSerializer), or a Java-serialized String
 * (`AC ED 00 05 74 <u16 length> <modified UTF-8>`, Java ZkClient's default serializer).
 */
export function motanNodeText(data: Buffer): string {
  if (data.length >= 7 && data[0] === 0xac && data[1] === 0xed && data[4] === 0x74) {
    const length = data.readUInt16BE(5);
    return data.subarray(7, 7 + length).toString('utf8');
  }
  return data.toString('utf8');
}
