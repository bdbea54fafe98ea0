import { Code, RpcError } from '@meshlet/core';

/**
 * Meshlet's own metadata entry, `message/x.meshlet.v0`, next to the routing entry in a request's
 * composite metadata: string pairs, each `u8 key length, key, u16 value length, value` (UTF-8).
 * Keys starting with `:` are Meshlet's (as HTTP/2 pseudo-headers); every other key is an
 * attachment, trace context (`traceparent`, `tracestate`, SOFA's keys) included, because the
 * runtime carries trace context in attachments for every protocol.
 *
 * | key | meaning |
 * | --- | --- |
 * | `:timeout` | the caller's remaining budget, ms (decimal), so the provider's nested calls inherit the deadline |
 * | `:version`, `:group` | the service key beyond the interface (the route names interface and method) |
 * | `:goaway` | in a METADATA_PUSH from a stopping provider: send no new calls on this connection |
 *
 * Peers that do not know the entry (Spring) skip it, as composite metadata allows.
 */
export const MESHLET_MIME = 'message/x.meshlet.v0';

export const Key = {
  timeout: ':timeout',
  version: ':version',
  group: ':group',
  goaway: ':goaway',
} as const;

const MAX_KEY = 0xff;
const MAX_VALUE = 0xffff;

export interface MeshletMetadata {
  timeout: number | undefined;
  version: string | undefined;
  group: string | undefined;
  goaway: boolean;
  /** Attachments; a prototype-less object, so `__proto__` is just a key. */
  readonly attachments: Record<string, string>;
}

/** Bytes of pairs, for the parts of a request's entry that are the same on every call. */
export function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(pairs.map(([k, v]) => pair(k, v)));
}

function pair(key: string, value: string): Buffer {
  const k = Buffer.byteLength(key);
  const v = Buffer.byteLength(value);
  if (k === 0 || k > MAX_KEY) throw new RpcError(Code.Serialization, `attachment key must be 1 to ${MAX_KEY} bytes: ${JSON.stringify(key.slice(0, 40))}`);
  if (v > MAX_VALUE) throw new RpcError(Code.Serialization, `attachment ${key} is ${v} bytes, over the limit of ${MAX_VALUE}`);
  const out = Buffer.allocUnsafe(1 + k + 2 + v);
  out[0] = k;
  out.write(key, 1, 'utf8');
  out.writeUInt16BE(v, 1 + k);
  out.write(value, 3 + k, 'utf8');
  return out;
}

/**
 * Writes a request's entry content at `offset` of `out` (sized with `requestPairsLength`): the
 * precomputed pairs, the remaining budget, then the attachments.
 */
export function writeRequestPairs(out: Buffer, offset: number, fixed: Buffer, timeout: string, attachments: Record<string, string>): number {
  offset += fixed.copy(out, offset);
  offset = writePair(out, offset, Key.timeout, timeout, TIMEOUT_KEY_LENGTH, timeout.length);
  for (const k in attachments) {
    const v = attachments[k]!;
    offset = writePair(out, offset, k, v, Buffer.byteLength(k), Buffer.byteLength(v));
  }
  return offset;
}

/**
 * Bytes `writeRequestPairs` will write. Also checks the attachments: string values (Java reads
 * them with `getAttachment(String)`), keys not starting with `:`, lengths within the format.
 */
export function requestPairsLength(fixed: Buffer, timeout: string, attachments: Record<string, string>): number {
  let n = fixed.length + 3 + TIMEOUT_KEY_LENGTH + timeout.length;
  for (const k in attachments) {
    const v: unknown = attachments[k];
    if (k.charCodeAt(0) === 0x3a) throw new RpcError(Code.Serialization, `attachment key ${JSON.stringify(k)}: keys starting with ':' are reserved`);
    if (typeof v !== 'string') throw new RpcError(Code.Serialization, `attachment ${k} must be a string, got ${typeof v}`);
    const kl = Buffer.byteLength(k);
    const vl = Buffer.byteLength(v);
    if (kl === 0 || kl > MAX_KEY) throw new RpcError(Code.Serialization, `attachment key must be 1 to ${MAX_KEY} bytes: ${JSON.stringify(k.slice(0, 40))}`);
    if (vl > MAX_VALUE) throw new RpcError(Code.Serialization, `attachment ${k} is ${vl} bytes, over the limit of ${MAX_VALUE}`);
    n += 3 + kl + vl;
  }
  return n;
}

const TIMEOUT_KEY_LENGTH = Key.timeout.length;

function writePair(out: Buffer, offset: number, key: string, value: string, kl: number, vl: number): number {
  out[offset] = kl;
  out.write(key, offset + 1, kl, 'utf8');
  out.writeUInt16BE(vl, offset + 1 + kl);
  out.write(value, offset + 3 + kl, vl, 'utf8');
  return offset + 3 + kl + vl;
}

/** Reads an entry. Throws RpcError BAD_REQUEST on truncation or a bad `:timeout`; unknown `:` keys are skipped. */
export function decodeMeshlet(content: Buffer): MeshletMetadata {
  const out: MeshletMetadata = { timeout: undefined, version: undefined, group: undefined, goaway: false, attachments: Object.create(null) as Record<string, string> };
  let offset = 0;
  while (offset < content.length) {
    const k = content[offset]!;
    if (k === 0 || offset + 1 + k + 2 > content.length) throw malformed('key runs past the end');
    const key = content.toString('utf8', offset + 1, offset + 1 + k);
    offset += 1 + k;
    const v = content.readUInt16BE(offset);
    offset += 2;
    if (offset + v > content.length) throw malformed(`value of ${JSON.stringify(key)} runs past the end`);
    const value = content.toString('utf8', offset, offset + v);
    offset += v;
    if (key.charCodeAt(0) !== 0x3a) {
      out.attachments[key] = value;
      continue;
    }
    switch (key) {
      case Key.timeout: {
        const ms = Number(value);
        if (!/^\d{1,15}$/.test(value) || !Number.isSafeInteger(ms)) throw malformed(`:timeout is not a whole number of ms: ${JSON.stringify(value.slice(0, 20))}`);
        out.timeout = ms;
        break;
      }
      case Key.version:
        out.version = value || undefined;
        break;
      case Key.group:
        out.group = value || undefined;
        break;
      case Key.goaway:
        out.goaway = true;
        break;
      default:
        // A newer peer's key: skipping it keeps old providers working.
        break;
    }
  }
  return out;
}

function malformed(what: string): RpcError {
  return new RpcError(Code.BadRequest, `malformed ${MESHLET_MIME} entry: ${what}`);
}
