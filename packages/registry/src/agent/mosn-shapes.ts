import type { Registration, ServiceKey } from '@meshlet/core';
import { normalizeVersion } from '@meshlet/core';

/**
 * The JSON bodies of MOSN's registration API as SOFARPC's mesh registry sends them (field names
 * from its model classes; bolt-sofa.md §3.2). MOSN's own side is closed source, so what it
 * accepts cannot be checked: two variants are offered, `java` (SOFARPC, no port: MOSN assumes
 * the app's Bolt port) and `anthunder` (the Python client, with the port).
 */
export type MosnPayload = 'java' | 'anthunder';

export const MOSN_PAYLOADS: readonly MosnPayload[] = ['java', 'anthunder'];

/** SOFARPC's publish `version` constant. */
const META_VERSION = '4.0';

/** `interface:version[:uniqueId]`, SOFARPC's unique name (version `1.0` when none). */
export function mosnServiceName(key: ServiceKey): string {
  const base = `${key.interface}:${key.version ?? '1.0'}`;
  return key.group ? `${base}:${key.group}` : base;
}

/** The inverse of `mosnServiceName`; undefined when there is no interface part. */
export function parseMosnServiceName(name: string): ServiceKey | undefined {
  const [iface = '', version, ...rest] = name.split(':');
  if (iface === '') return undefined;
  const group = rest.join(':');
  return { interface: iface, version: normalizeVersion(version ?? '1.0'), group: group || undefined };
}

/** `POST /configs/application`. */
export function mosnApplicationRequest(appName: string): Record<string, unknown> {
  return { appName };
}

export interface MosnPublishOptions {
  readonly payload: MosnPayload;
  /** `protocolType` and `providerMetaInfo.protocol`: the server protocol, `bolt` for SOFARPC. */
  readonly protocolType: string;
  readonly serializeType: string;
}

/** `POST /services/publish`. */
export function mosnPublishRequest(r: Registration, o: MosnPublishOptions): Record<string, unknown> {
  const serviceName = mosnServiceName(r.service);
  if (o.payload === 'anthunder') {
    // anthunder: protocol "1" (Bolt), protocolType DEFAULT, the port as a string.
    return {
      serviceName,
      providerMetaInfo: { appName: r.application, protocol: o.protocolType === 'bolt' ? '1' : o.protocolType, version: META_VERSION, serializeType: o.serializeType },
      port: String(r.endpoint.port),
      protocolType: o.protocolType === 'bolt' ? 'DEFAULT' : o.protocolType,
      onlyPublishInCloud: false,
    };
  }
  return {
    onlyPublishInCloud: false,
    protocolType: o.protocolType,
    providerMetaInfo: { appName: r.application, properties: {}, protocol: o.protocolType, serializeType: o.serializeType, version: META_VERSION },
    serviceName,
  };
}

/** `POST /services/unpublish` (and `/services/unsubscribe`, same fields). */
export function mosnUnpublishRequest(key: ServiceKey, protocolType: string): Record<string, unknown> {
  return { protocolType, serviceName: mosnServiceName(key) };
}

/** `POST /services/subscribe`. */
export function mosnSubscribeRequest(key: ServiceKey, protocolType: string, payload: MosnPayload): Record<string, unknown> {
  if (payload === 'anthunder') return { serviceName: mosnServiceName(key) };
  return { localCloudFirst: false, protocolType, serviceName: mosnServiceName(key), vipEnforce: false, vipOnly: false };
}

/**
 * What a MOSN-style publish names as the protocol: SOFARPC says `bolt`, anthunder `DEFAULT` or
 * `1`, old SOFA `tr`; Meshlet's own agent also takes `dubbo` and `motan2`.
 */
export function mosnProtocol(protocolType: unknown, metaProtocol: unknown): string | undefined {
  for (const p of [protocolType, metaProtocol]) {
    if (typeof p !== 'string' || p === '') continue;
    const lower = p.toLowerCase();
    if (lower === 'bolt' || lower === 'default' || lower === '1' || lower === 'tr') return 'bolt';
    if (lower === 'dubbo' || lower === 'motan2') return lower;
  }
  return undefined;
}
