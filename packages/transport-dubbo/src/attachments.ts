import type { HessianReader } from '@meshlet/hessian';

/**
 * Attachments are strings on the wire: Java's `getAttachment(String)` returns null for anything
 * else. Peers that send other types (apache-dubbo-js sends `timeout` as an int) are read leniently.
 */
export function toStringAttachments(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (value instanceof Map) {
    for (const [k, v] of value) if (v !== null && v !== undefined) out[String(k)] = String(v);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

/** The attachments that end a request: a map read as strings directly, anything else leniently. */
export function readAttachments(r: HessianReader): Record<string, string> {
  return r.isMapTag(r.peekTag()) ? r.readStringRecord() : toStringAttachments(r.readValue());
}
