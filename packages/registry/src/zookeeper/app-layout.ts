import { METADATA_RELEASE } from '@meshlet/core';
import { pathPart } from './layout.js';

/**
 * Dubbo 3's application-level layout on ZooKeeper, as Java Dubbo 3.3.6 writes it (captured from a
 * real provider, see app-layout.test.ts):
 * - `/services/{application}/{ip}:{port}`, ephemeral: a Curator ServiceInstance JSON whose
 *   `payload.metadata` carries the metadata revision, the protocol ports and how to reach the
 *   instance's MetadataService;
 * - `/dubbo/mapping/{interface}`, persistent: the comma-joined names of the applications that
 *   provide the interface (updated with compare-and-set on the node's version).
 */
export const SERVICES_ROOT = '/services';
export const MAPPING_ROOT = '/dubbo/mapping';

export function instancesPath(application: string): string {
  return `${SERVICES_ROOT}/${pathPart(application, 'Dubbo application')}`;
}

export function instancePath(application: string, host: string, port: number): string {
  return `${instancesPath(application)}/${pathPart(`${host}:${port}`, 'instance id')}`;
}

export function mappingPath(iface: string): string {
  return `${MAPPING_ROOT}/${pathPart(iface, 'Dubbo interface')}`;
}

/** The node data of one instance: what `ZookeeperServiceDiscovery` (Curator's JsonInstanceSerializer) writes. */
export function instanceJson(application: string, host: string, port: number, revision: string, registeredAt: number): string {
  const id = `${host}:${port}`;
  const metadata = {
    'dubbo.endpoints': JSON.stringify([{ port, protocol: 'dubbo' }]),
    // How a consumer builds the MetadataService URL: the dubbo port, hessian2, version 1.0.0.
    'dubbo.metadata-service.url-params': JSON.stringify({
      serialization: 'hessian2', 'prefer.serialization': 'hessian2', version: '1.0.0', dubbo: '2.0.2',
      release: METADATA_RELEASE, side: 'provider', port: String(port), protocol: 'dubbo',
    }),
    'dubbo.metadata.revision': revision,
    'dubbo.metadata.storage-type': 'local',
    'meta-v': '1.0.0',
    timestamp: String(registeredAt),
  };
  return JSON.stringify({
    name: application, id, address: host, port, sslPort: null,
    payload: { '@class': 'org.apache.dubbo.registry.zookeeper.ZookeeperInstance', id, name: application, metadata },
    registrationTimeUTC: registeredAt, serviceType: 'DYNAMIC', uriSpec: null,
  });
}

/** An instance as a consumer needs it: where it is, its revision, how to reach its MetadataService. */
export interface AppInstance {
  readonly application: string;
  readonly host: string;
  readonly port: number;
  readonly revision: string;
  /** Port per protocol (`dubbo.endpoints`); the instance port serves the rest. */
  readonly endpoints: Readonly<Record<string, number>>;
  /** The MetadataService's protocol and port (`dubbo.metadata-service.url-params`). */
  readonly metadataService: { readonly protocol: string; readonly port: number };
  readonly metadata: Readonly<Record<string, string>>;
}

/** Reads one instance node; undefined when it is not a Dubbo instance this reader understands. */
export function parseInstance(data: Buffer | string): AppInstance | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return undefined;
  }
  const o = doc as { name?: unknown; address?: unknown; port?: unknown; payload?: { metadata?: unknown } };
  if (typeof o?.name !== 'string' || typeof o.address !== 'string' || typeof o.port !== 'number') return undefined;
  const raw = o.payload?.metadata;
  const metadata: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v;
  const revision = metadata['dubbo.metadata.revision'];
  if (!revision) return undefined;
  const endpoints: Record<string, number> = {};
  for (const e of jsonArray(metadata['dubbo.endpoints'])) {
    const { port, protocol } = e as { port?: unknown; protocol?: unknown };
    if (typeof protocol === 'string' && typeof port === 'number') endpoints[protocol] = port;
  }
  const params = jsonObject(metadata['dubbo.metadata-service.url-params']);
  const msPort = Number(params.port ?? endpoints.dubbo ?? o.port);
  return {
    application: o.name, host: o.address, port: o.port, revision, endpoints,
    metadataService: { protocol: typeof params.protocol === 'string' ? params.protocol : 'dubbo', port: Number.isInteger(msPort) ? msPort : o.port },
    metadata,
  };
}

/** The applications a mapping node names (comma-joined, blanks dropped). */
export function parseMapping(data: Buffer | null | undefined): string[] {
  if (!data) return [];
  return [...new Set(data.toString('utf8').split(',').map((s) => s.trim()).filter(Boolean))];
}

/** The endpoint a consumer calls for one service of an instance: the instance's host, the protocol's port. */
export function instanceEndpointPort(instance: AppInstance, protocol: string, servicePort: number): number {
  return instance.endpoints[protocol] ?? (servicePort > 0 ? servicePort : instance.port);
}

function jsonArray(text: string | undefined): unknown[] {
  try {
    const v: unknown = text === undefined ? [] : JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = text === undefined ? {} : JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
