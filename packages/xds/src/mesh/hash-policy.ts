import type { Invocation } from '@meshlet/core';
import { list, obj, str, type Obj } from './values.js';

/**
 * A route's hash_policy list as the call's hash key (Envoy: each policy that yields a value
 * contributes, in order; a terminal one that yields stops the rest). header → the attachment of
 * that name; filter_state `io.grpc.channel_id` → this reference (gRPC hashes the channel);
 * connection_properties.source_ip → this host's address. Cookies and query parameters have no
 * RPC counterpart and are skipped. undefined: no hash policy (the ring-hash balancer then picks at
 * random, as Envoy does without a hash).
 */
export function hashKeyOf(policies: unknown, channelId: string, sourceIp: string): ((inv: Invocation) => string | undefined) | undefined {
  const parts: { read: (inv: Invocation) => string | undefined; terminal: boolean }[] = [];
  for (const p of list(policies)) {
    const terminal = p.terminal === true;
    const header = str(obj(p.header)?.headerName);
    if (header !== undefined) {
      const lower = header.toLowerCase();
      parts.push({ read: (inv) => inv.attachments[header] ?? inv.attachments[lower], terminal });
      continue;
    }
    const filterState = str(obj(p.filterState)?.key);
    if (filterState === 'io.grpc.channel_id') {
      parts.push({ read: () => channelId, terminal });
      continue;
    }
    if ((obj(p.connectionProperties) as Obj | undefined)?.sourceIp === true) parts.push({ read: () => sourceIp, terminal });
  }
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0]!.read;
  return (inv) => {
    let key: string | undefined;
    for (const part of parts) {
      const v = part.read(inv);
      if (v === undefined) continue;
      key = key === undefined ? v : `${key}\u0000${v}`;
      if (part.terminal) break;
    }
    return key;
  };
}
