import type { MethodDefinition, ServiceDefinition } from '@meshlet/core';

/**
 * How resources are named, as Sentinel's Dubbo adapters (sentinel-apache-dubbo-adapter and
 * -dubbo3-adapter, `DubboUtils`) name them, so rules written for Java services apply unchanged:
 * - interface: `com.acme.Orders`, or with `groupAndVersion` Dubbo's `URL.getColonSeparatedKey()`,
 *   `com.acme.Orders:1.0.0:groupA` (an absent version or group leaves its colon: `com.acme.Orders::`);
 * - method: `{interface resource}:{method}({Class.getName() of each parameter, comma-separated})`,
 *   e.g. `com.acme.Orders:place(java.lang.String,int,[Ljava.lang.String;)`.
 * Both carry a prefix when Sentinel's `csp.sentinel.dubbo.resource.use.prefix=true` is mirrored:
 * `dubbo:provider:` on the provider side, `dubbo:consumer:` on the consumer side by default.
 */
export interface FlowResourceNaming {
  /** `csp.sentinel.dubbo.interface.group.version.enabled`: name interfaces `{interface}:{version}:{group}`. */
  readonly groupAndVersion?: boolean;
  /**
   * `csp.sentinel.dubbo.resource.use.prefix`: `true` for Sentinel's default prefixes, or the
   * prefixes to use (`csp.sentinel.dubbo.resource.provider.prefix` / `.consumer.prefix`).
   */
  readonly prefix?: boolean | { readonly provider?: string; readonly consumer?: string };
}

export type FlowSide = 'provider' | 'consumer';

export const DEFAULT_PROVIDER_PREFIX = 'dubbo:provider:';
export const DEFAULT_CONSUMER_PREFIX = 'dubbo:consumer:';

/** The two resources a call enters, interface first (as the adapters enter them). */
export function flowResourceNames(
  service: Pick<ServiceDefinition, 'interface' | 'version' | 'group'>,
  method: Pick<MethodDefinition, 'name' | 'paramTypes'>,
  side: FlowSide,
  naming: FlowResourceNaming = {},
): { readonly interface: string; readonly method: string } {
  const iface = `${prefixOf(side, naming)}${naming.groupAndVersion === true ? colonSeparatedKey(service) : service.interface}`;
  return { interface: iface, method: `${iface}:${method.name}(${method.paramTypes.join(',')})` };
}

function prefixOf(side: FlowSide, naming: FlowResourceNaming): string {
  const p = naming.prefix;
  if (p === undefined || p === false) return '';
  const given = p === true ? undefined : side === 'provider' ? p.provider : p.consumer;
  // Sentinel falls back to its default when the configured prefix is blank.
  if (given !== undefined && given.trim() !== '') return given;
  return side === 'provider' ? DEFAULT_PROVIDER_PREFIX : DEFAULT_CONSUMER_PREFIX;
}

function colonSeparatedKey(service: Pick<ServiceDefinition, 'interface' | 'version' | 'group'>): string {
  const part = (v: string | undefined) => (v === undefined || v.trim() === '' ? ':' : `:${v}`);
  return `${service.interface}${part(service.version)}${part(service.group)}`;
}
