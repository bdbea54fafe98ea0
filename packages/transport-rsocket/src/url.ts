import { dubboStyleProviderUrl, parseDubboStyleProviderUrl, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { PROTOCOL } from './constants.js';

/** The URL a provider registers, `{protocol}://host:port/<interface>?…` Dubbo-style (see core). */
export function toRSocketUrl(reg: Registration): string {
  return dubboStyleProviderUrl(PROTOCOL, reg);
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. */
export function fromRSocketUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  return parseDubboStyleProviderUrl(PROTOCOL, url);
}
