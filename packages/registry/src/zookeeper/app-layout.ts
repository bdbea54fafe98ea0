import { appInstance, instanceEndpointPort, instanceMetadata, parseMapping as parseMappingText, type AppInstance } from '../app-level/instance.js';
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
export function instanceJson(
  application: string, host: string, port: number, revision: string, registeredAt: number,
  endpoints?: readonly { readonly port: number; readonly protocol: string }[],
): string {
  const id = `${host}:${port}`;
  const metadata = instanceMetadata(port, revision, registeredAt, endpoints);
  return JSON.stringify({
    name: application, id, address: host, port, sslPort: null,
    payload: { '@class': 'org.apache.dubbo.registry.zookeeper.ZookeeperInstance', id, name: application, metadata },
    registrationTimeUTC: registeredAt, serviceType: 'DYNAMIC', uriSpec: null,
  });
}

export type { AppInstance };

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
  return appInstance(o.name, o.address, o.port, o.payload?.metadata);
}

/** The applications a mapping node names (comma-joined, blanks dropped). */
export function parseMapping(data: Buffer | null | undefined): string[] {
  return parseMappingText(data?.toString('utf8'));
}

export { instanceEndpointPort };
