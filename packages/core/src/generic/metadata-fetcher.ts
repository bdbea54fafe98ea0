import type { InstanceServiceInfo, MetadataFetcher } from '../registry.js';
import { defineService, type ServiceDefinition } from '../service.js';
import { t } from '../types.js';
import { METADATA_INFO_TYPE } from './metadata-info.js';
import { METADATA_SERVICE } from './metadata-service.js';

type Refer = (definition: ServiceDefinition, options: { url: string; timeout: number; protocol: string }) =>
  Record<string, (...args: unknown[]) => Promise<unknown>>;

/**
 * The runtime's answer to a registry's `useMetadataFetcher`: calls the instance's MetadataService
 * (group = its application, version 1.0.0) `getMetadataInfo(revision)` over the runtime's own
 * clients, and hands the registry plain records (hessian maps decode as JS Maps).
 */
export function metadataFetcher(refer: Refer, timeoutMs = 3000): MetadataFetcher {
  const definitions = new Map<string, ServiceDefinition>();
  const clients = new Map<string, Record<string, (...args: unknown[]) => Promise<unknown>>>();
  return async (instance) => {
    let definition = definitions.get(instance.application);
    if (!definition) {
      definition = defineService({
        interface: METADATA_SERVICE, version: '1.0.0', group: instance.application, protocol: instance.protocol,
        methods: { getMetadataInfo: { params: [t.string], returns: t.nullable(METADATA_INFO_TYPE) } },
      });
      definitions.set(instance.application, definition);
    }
    // One reference per instance address, whatever its revisions.
    const address = `${instance.application}\u0000${instance.protocol}\u0000${instance.host}:${instance.port}`;
    let client = clients.get(address);
    if (!client) clients.set(address, (client = refer(definition, { url: `${instance.host}:${instance.port}`, timeout: timeoutMs, protocol: instance.protocol })));
    const info = (await client.getMetadataInfo!(instance.revision)) as { services?: unknown } | null;
    if (!info) return null;
    const services: Record<string, InstanceServiceInfo> = {};
    for (const [key, raw] of entries(info.services)) {
      const s = raw as Record<string, unknown> | null;
      if (!s || typeof s !== 'object') continue;
      const params: Record<string, string> = {};
      for (const [k, v] of entries(s.params)) if (typeof v === 'string') params[k] = v;
      services[key] = {
        name: String(s.name ?? ''), group: typeof s.group === 'string' ? s.group : null, version: typeof s.version === 'string' ? s.version : null,
        protocol: String(s.protocol ?? 'dubbo'), port: Number(s.port ?? 0), params,
      };
    }
    return { services };
  };
}

function entries(value: unknown): [string, unknown][] {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v]);
  if (value && typeof value === 'object') return Object.entries(value);
  return [];
}
