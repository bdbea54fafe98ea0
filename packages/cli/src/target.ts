// Which service a command talks to: a provider URL (dubbo://host:port/iface?version=1.0) or an
// interface name found through a registry.
import { UsageError } from './command.js';
import { flagText, type Parsed } from './args.js';

export const PROTOCOLS = ['dubbo', 'bolt', 'motan2', 'rsocket'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export interface Target {
  readonly interface: string;
  readonly protocol: ProtocolName;
  readonly version?: string;
  readonly group?: string;
  /** `host:port` when the URL names a provider; else the registry finds one. */
  readonly address?: string;
  /** The registry URL (`--registry`, else MESHLET_REGISTRY), for interface-only targets. */
  readonly registry?: string;
}

/** URL schemes users paste from registries and docs, and the protocol each means. */
const SCHEMES: Readonly<Record<string, ProtocolName>> = { dubbo: 'dubbo', bolt: 'bolt', motan: 'motan2', motan2: 'motan2', rsocket: 'rsocket', tcp: 'rsocket' };

/**
 * Reads the target from the first positional argument and the flags. Flags win over URL
 * parameters (`--version` over `?version=`). SOFARPC's `uniqueId` and motan's `group` are groups.
 */
export function parseTarget(spec: string | undefined, flags: Parsed['flags'], env: NodeJS.ProcessEnv = process.env): Target {
  if (spec === undefined || spec === '') throw new UsageError('missing the service (a URL like dubbo://127.0.0.1:20880/com.acme.Echo, or an interface name with --registry)');
  const protocolFlag = flagText(flags, 'protocol');
  if (protocolFlag !== undefined && !(PROTOCOLS as readonly string[]).includes(protocolFlag)) {
    throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(protocolFlag)}`);
  }
  const version = flagText(flags, 'version');
  const group = flagText(flags, 'group');
  const registry = flagText(flags, 'registry') ?? (env.MESHLET_REGISTRY || undefined);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (registry === undefined) throw new UsageError(`${spec} is an interface name: give a registry (--registry url or MESHLET_REGISTRY), or a provider URL`);
    return { interface: spec, protocol: (protocolFlag as ProtocolName | undefined) ?? 'dubbo', version, group, registry };
  }
  const protocol = SCHEMES[scheme];
  if (protocol === undefined) throw new UsageError(`unknown scheme ${scheme}:// (known: ${Object.keys(SCHEMES).join(', ')})`);
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`not a URL: ${spec}`);
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  } catch {
    throw new UsageError(`${spec}: the interface in the path is not valid percent-encoding`);
  }
  const iface = path || url.searchParams.get('interface') || '';
  if (iface === '') throw new UsageError(`${spec} names no interface (the path after host:port)`);
  if (url.hostname === '' || url.port === '') throw new UsageError(`${spec} needs host:port`);
  const p = url.searchParams;
  return {
    interface: iface,
    protocol: (protocolFlag as ProtocolName | undefined) ?? protocol,
    version: version ?? (p.get('version') || undefined),
    group: group ?? (p.get('group') || p.get('uniqueId') || undefined),
    address: `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port}`,
  };
}
