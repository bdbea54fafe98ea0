import type { ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';

/** The Redis names of one service. All three keys carry the same `{…}` hash tag: one Cluster slot. */
export interface ServiceKeys {
  /** The hash tag content, unique per exact service key. */
  readonly tag: string;
  /** HASH: entry id → JSON entry. */
  readonly entries: string;
  /** ZSET: entry id → lease deadline (server time, ms). */
  readonly leases: string;
  /** HASH: `epoch`, `n` — the revision subscribers compare to skip unchanged reads. */
  readonly meta: string;
  /** ZSET: recently unregistered entry ids (tombstones, a minute). */
  readonly gone: string;
  /** Pub/sub channel: a message means "read me again". */
  readonly channel: string;
}

/**
 * `<prefix>:{<tag>}:entries|leases|meta|gone|changed`. The tag spells the exact key readably:
 * `demo.Echo,=1.0,` is interface demo.Echo, version "1.0", no group; an empty string is `=` and
 * unset is nothing, so `undefined` and `""` stay apart as the registry rules require. Parts are
 * percent-encoded, so no `{`, `}` or `,` from a name can break the tag.
 */
export function serviceKeys(prefix: string, service: ServiceKey): ServiceKeys {
  const tag = [encodeURIComponent(service.interface), part(service.version), part(service.group)].join(',');
  const base = `${prefix}:{${tag}}`;
  return { tag, entries: `${base}:entries`, leases: `${base}:leases`, meta: `${base}:meta`, gone: `${base}:gone`, channel: `${base}:changed` };
}

function part(value: string | undefined): string {
  return value === undefined ? '' : `=${encodeURIComponent(value)}`;
}

export function checkPrefix(prefix: string): string {
  if (prefix === '' || /[{}\s]/.test(prefix) || prefix.length > 200) {
    throw invalidArgument('redis registry prefix must be non-empty, at most 200 characters, without braces or spaces');
  }
  return prefix;
}
