import { createHash } from 'node:crypto';
import type { Registration } from '../registry.js';
import { normalizeVersion } from '../service-key.js';
import { t } from '../types.js';

/**
 * Dubbo 3 application-level discovery describes an application instance's services by a
 * MetadataInfo: `{ app, revision, services: { matchKey → ServiceInfo } }`. Consumers read the
 * revision from the instance node (`dubbo.metadata.revision`) and fetch the MetadataInfo of that
 * revision from the instance's MetadataService (`getMetadataInfo(revision)`). Registry and runtime
 * both compute it here, from the same registrations, so the revision they publish and the one the
 * MetadataService answers agree.
 */
export interface DubboServiceInfo {
  readonly name: string;
  readonly group: string | null;
  readonly version: string | null;
  readonly protocol: string;
  readonly port: number;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface DubboMetadataInfo {
  readonly app: string;
  readonly revision: string;
  readonly services: Readonly<Record<string, DubboServiceInfo>>;
}

/** The `release=` value Meshlet publishes in application-level metadata. */
export const METADATA_RELEASE = 'meshlet-0.1.0';

/**
 * The protocols whose services an application instance describes (its MetadataInfo and
 * `dubbo.endpoints`): a Java Dubbo 3 process exporting dubbo and tri is one instance of both.
 */
export const APP_LEVEL_PROTOCOLS: readonly string[] = ['dubbo', 'tri'];

/** Java's `MetadataInfo.EMPTY_REVISION`: an instance exporting nothing. */
export const EMPTY_REVISION = '0';

/** The hessian2 classes as Java Dubbo 3.3 declares their non-transient fields (wire order = declaration order). */
export const SERVICE_INFO_TYPE = t.object('org.apache.dubbo.metadata.MetadataInfo$ServiceInfo', {
  name: t.string,
  group: t.string,
  version: t.string,
  protocol: t.string,
  port: t.int32,
  path: t.string,
  params: t.map(t.string, t.string),
});
export const METADATA_INFO_TYPE = t.object('org.apache.dubbo.metadata.MetadataInfo', {
  app: t.string,
  revision: t.string,
  services: t.map(t.string, SERVICE_INFO_TYPE),
});

/** Keys that vary per process or are Meshlet's own bookkeeping: never part of the metadata (nor the revision). */
const EXCLUDED = new Set(['pid', 'timestamp', 'anyhost', 'category', 'bind.ip', 'bind.port']);

/** Java's `ServiceInfo.getMatchKey()`: `{group/}interface{:version}:protocol`. */
export function serviceMatchKey(s: Pick<DubboServiceInfo, 'name' | 'group' | 'version' | 'protocol'>): string {
  return `${s.group ? `${s.group}/` : ''}${s.name}${s.version ? `:${s.version}` : ''}:${s.protocol}`;
}

/** What a Java provider puts in a ServiceInfo's params for this registration (captured from Dubbo 3.3.6). */
export function serviceInfoOf(registration: Registration, application: string): DubboServiceInfo {
  const { service, endpoint: ep } = registration;
  const version = normalizeVersion(service.version) ?? null;
  const group = service.group || null;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.params)) if (!EXCLUDED.has(k)) params[k] = v;
  const serialization = ep.params.serialization ?? 'hessian2';
  Object.assign(params, {
    application,
    deprecated: 'false',
    dubbo: '2.0.2',
    dynamic: 'true',
    generic: 'false',
    interface: service.interface,
    'prefer.serialization': ep.params['prefer.serialization'] ?? serialization,
    release: METADATA_RELEASE,
    serialization,
    side: 'provider',
  });
  const methods = [...new Set(registration.methods)].sort().join(',');
  if (methods) params.methods = methods;
  if (version) params.version = version;
  if (group) params.group = group;
  return { name: service.interface, group, version, protocol: ep.protocol, port: ep.port, path: service.interface, params };
}

/** The MetadataInfo of one application instance: its registrations of one protocol's port. */
export function dubboMetadataInfo(application: string, registrations: readonly Registration[]): DubboMetadataInfo {
  const services: Record<string, DubboServiceInfo> = {};
  for (const r of registrations) {
    const info = serviceInfoOf(r, application);
    services[serviceMatchKey(info)] = info;
  }
  return { app: application, revision: metadataRevision(application, services), services };
}

/**
 * Java's `MetadataInfo.calRevision()`: MD5 (hex) of the app name followed by, per service in
 * match-key order, `matchKey + port + path + TreeMap(params).toString()` (`{k=v, k=v}`). Both
 * orders are Java's String.compareTo, i.e. UTF-16 code units, which is JS's default sort.
 */
export function metadataRevision(application: string, services: Readonly<Record<string, DubboServiceInfo>>): string {
  const keys = Object.keys(services).sort();
  if (keys.length === 0) return EMPTY_REVISION;
  let text = application;
  for (const key of keys) {
    const s = services[key]!;
    const params = Object.keys(s.params).sort().map((k) => `${k}=${s.params[k]}`).join(', ');
    text += `${serviceMatchKey(s)}${s.port}${s.path}{${params}}`;
  }
  return createHash('md5').update(text, 'utf8').digest('hex');
}
