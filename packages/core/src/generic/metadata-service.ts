import type { Registration } from '../registry.js';
import { serviceKeyString } from '../service-key.js';
import { defineService, type ServiceDefinition } from '../service.js';
import { t, type TypeDesc } from '../types.js';
import { dubboMetadataInfo, METADATA_INFO_TYPE, type DubboMetadataInfo } from './metadata-info.js';

/**
 * Dubbo's `org.apache.dubbo.metadata.MetadataService`, answered by every Meshlet runtime that
 * exports Dubbo services, so tools that describe a Dubbo provider (`meshlet describe`, dubbo-admin's
 * service test page) describe a Meshlet one the same way, and Dubbo 3 consumers that found this
 * instance by application-level discovery learn its services. Answered: `getServiceDefinition`
 * (the JSON of Dubbo's FullServiceDefinition: methods with Java parameter and return types, and the
 * classes they use) and `getMetadataInfo(revision)` (metadata-info.ts). Java exports it with version
 * 1.0.0 and group = the application name; Meshlet also exports it with no group, for callers that
 * know only an address.
 */
export const METADATA_SERVICE = 'org.apache.dubbo.metadata.MetadataService';

export function metadataServiceDefinitions(application: string | undefined, protocol = 'dubbo'): ServiceDefinition[] {
  const methods = {
    getServiceDefinition: { params: [t.string, t.string, t.string], returns: t.string },
    getServiceDefinitionByKey: { name: 'getServiceDefinition', params: [t.string], returns: t.string },
    getMetadataInfo: { params: [t.string], returns: t.nullable(METADATA_INFO_TYPE) },
  };
  const groups = application ? [undefined, application] : [undefined];
  return groups.map((group) => defineService({ interface: METADATA_SERVICE, version: '1.0.0', group, protocol, methods }));
}

/**
 * The implementation over the runtime's exported definitions and registrations (read per call:
 * exports may change). `registrations` are the dubbo and tri ones (APP_LEVEL_PROTOCOLS); `application` names the instance.
 */
export function metadataServiceImpl(
  definitions: () => readonly ServiceDefinition[],
  registrations: () => readonly Registration[] = () => [],
  application?: string,
) {
  const find = (match: (d: ServiceDefinition) => boolean): string | null => {
    const found = definitions().find((d) => d.interface !== METADATA_SERVICE && match(d));
    return found === undefined ? null : JSON.stringify(fullServiceDefinition(found));
  };
  return {
    getServiceDefinition: (iface: string, version: string | null, group: string | null) =>
      find((d) => d.interface === iface && (d.version ?? '') === (version ?? '') && (d.group ?? '') === (group ?? '')) ??
      // Callers that know only the interface (a URL without ?version=) get its only export.
      (version === null && group === null ? find((d) => d.interface === iface) : null),
    // Dubbo's service key: `group/interface:version`, group and version optional.
    getServiceDefinitionByKey: (key: string) => find((d) => serviceKeyString(d) === key || d.interface === key),
    // One MetadataInfo per instance (app + host: its dubbo and tri services together, as the
    // registry's revision counts them); Java answers null for a revision it does not have.
    getMetadataInfo: (revision: string | null): DubboMetadataInfo | null => {
      if (!application || !revision) return null;
      const byHost = new Map<string, Registration[]>();
      for (const r of registrations()) byHost.set(r.endpoint.host, [...(byHost.get(r.endpoint.host) ?? []), r]);
      for (const group of byHost.values()) {
        const info = dubboMetadataInfo(application, group);
        if (info.revision === revision) return info;
      }
      return null;
    },
  };
}

interface TypeDefinition { type: string; properties: Record<string, string>; items?: string[]; enums?: string[] }

/** Dubbo's FullServiceDefinition shape: canonicalName, codeSource, methods, types, annotations. */
export function fullServiceDefinition(d: ServiceDefinition) {
  const types = new Map<string, TypeDefinition>();
  const collect = (desc: TypeDesc): void => {
    if (desc.element) collect(desc.element);
    if (desc.key) collect(desc.key);
    if (desc.value) collect(desc.value);
    if (types.has(desc.javaType)) return;
    if (desc.kind === 'class') {
      const properties: Record<string, string> = {};
      types.set(desc.javaType, { type: desc.javaType, properties });
      for (const [name, field] of Object.entries(desc.fields ?? {})) {
        properties[name] = field.javaType;
        collect(field);
      }
    } else if (desc.kind === 'enum') {
      types.set(desc.javaType, { type: desc.javaType, properties: {}, enums: [...(desc.constants ?? [])] });
    }
  };
  const methods = [...d.methods.values()].map((m) => {
    m.params.forEach(collect);
    collect(m.returns);
    return { name: m.name, parameterTypes: [...m.paramTypes], returnType: m.returns.javaType, parameters: [], annotations: [] };
  });
  return { canonicalName: d.interface, codeSource: 'meshlet', methods, types: [...types.values()], annotations: [], parameters: {} };
}
