import { METADATA_RELEASE } from '@meshlet/core';

/**
 * A Dubbo 3 application instance, whatever registry holds it: ZooKeeper keeps it as a Curator
 * ServiceInstance JSON node (zookeeper/app-layout.ts), Nacos as an instance of the service named
 * after the application (nacos/app-naming.ts). Both carry the same metadata map, which is what
 * this module writes and reads.
 */
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

/**
 * The instance metadata Java Dubbo 3.3.6 writes (key for key, captured from real providers on
 * ZooKeeper and on Nacos): the revision of the instance's services, its protocol ports, how to
 * reach its MetadataService (the dubbo port, hessian2, version 1.0.0), the local storage type.
 * `endpoints` lists each protocol's port (dubbo, then tri: Java's order).
 */
export function instanceMetadata(
  port: number, revision: string, registeredAt: number,
  endpoints: readonly { readonly port: number; readonly protocol: string }[] = [{ port, protocol: 'dubbo' }],
): Record<string, string> {
  // Meshlet answers the MetadataService (v1, hessian2) on its dubbo port, else its tri port. Java
  // 3.3.6 with both moves it to tri as MetadataServiceV2 (version 2.0.0, meta-v 2.0.0, protobuf);
  // its consumers read this v1 form as well.
  const ms = endpoints.find((e) => e.protocol === 'dubbo') ?? endpoints[0] ?? { port, protocol: 'dubbo' };
  return {
    'dubbo.endpoints': JSON.stringify(endpoints.map((e) => ({ port: e.port, protocol: e.protocol }))),
    'dubbo.metadata-service.url-params': JSON.stringify({
      serialization: 'hessian2', 'prefer.serialization': 'hessian2', version: '1.0.0', dubbo: '2.0.2',
      release: METADATA_RELEASE, side: 'provider', port: String(ms.port), protocol: ms.protocol,
    }),
    'dubbo.metadata.revision': revision,
    'dubbo.metadata.storage-type': 'local',
    'meta-v': '1.0.0',
    timestamp: String(registeredAt),
  };
}

/** An instance from its name, address and metadata; undefined without a revision (not a Dubbo 3 instance). */
export function appInstance(application: string, host: string, port: number, raw: unknown): AppInstance | undefined {
  const metadata: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v;
  const revision = metadata['dubbo.metadata.revision'];
  if (!revision) return undefined;
  const endpoints: Record<string, number> = {};
  for (const e of jsonArray(metadata['dubbo.endpoints'])) {
    const { port: p, protocol } = (e ?? {}) as { port?: unknown; protocol?: unknown };
    if (typeof protocol === 'string' && typeof p === 'number') endpoints[protocol] = p;
  }
  const params = jsonObject(metadata['dubbo.metadata-service.url-params']);
  const msPort = Number(params.port ?? endpoints.dubbo ?? port);
  return {
    application, host, port, revision, endpoints,
    metadataService: { protocol: typeof params.protocol === 'string' ? params.protocol : 'dubbo', port: Number.isInteger(msPort) ? msPort : port },
    metadata,
  };
}

/** The applications a mapping names (comma-joined, blanks and repeats dropped). */
export function parseMapping(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
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
