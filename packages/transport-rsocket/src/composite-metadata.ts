import { Code, RpcError } from '@meshlet/core';

/**
 * Composite metadata (`message/x.rsocket.composite-metadata.v0`, RSocket extension "Composite
 * Metadata"): a sequence of entries, each a MIME type — one byte `0x80 | id` for a well-known type,
 * or a byte `length - 1` followed by that many US-ASCII bytes — then a 24-bit content length and
 * the content.
 *
 * Our own encoder and decoder (not rsocket-core's) because request metadata is built from
 * precomputed per-method bytes on the hot path, and a decoder that reads peer bytes must end every
 * malformed input in one typed error.
 */

/** The well-known MIME ids we write or read (RSocket extension "Well-known MIME Types"). */
export const WellKnown = {
  'application/json': 0x05,
  'application/x-protobuf': 0x0a,
  'application/octet-stream': 0x06,
  'message/x.rsocket.mime-type.v0': 0x7a,
  'message/x.rsocket.accept-mime-types.v0': 0x7b,
  'message/x.rsocket.authentication.v0': 0x7c,
  'message/x.rsocket.tracing-zipkin.v0': 0x7d,
  'message/x.rsocket.routing.v0': 0x7e,
  'message/x.rsocket.composite-metadata.v0': 0x7f,
} as const;

const NAME_BY_ID = new Map<number, string>(Object.entries(WellKnown).map(([name, id]) => [id, name]));

export const ROUTING_MIME = 'message/x.rsocket.routing.v0';
export const COMPOSITE_MIME = 'message/x.rsocket.composite-metadata.v0';
export const MIME_TYPE_MIME = 'message/x.rsocket.mime-type.v0';

const MAX_CONTENT = 0xffffff;
const MAX_MIME_LENGTH = 128;

export interface MetadataEntry {
  /** The MIME type; a well-known id we have no name for reads as `reserved/0x<id>`. */
  readonly mime: string;
  /** A view into the metadata buffer. */
  readonly content: Buffer;
}

/** One entry's bytes. Well-known types are written as their id, others spelled out. */
export function encodeEntry(mime: string, content: Uint8Array): Buffer {
  if (content.length > MAX_CONTENT) {
    throw new RpcError(Code.Serialization, `metadata entry ${mime} is ${content.length} bytes, over the 24-bit limit`);
  }
  const id = (WellKnown as Record<string, number>)[mime];
  const mimeLength = id === undefined ? 1 + mimeBytes(mime) : 1;
  const out = Buffer.allocUnsafe(mimeLength + 3 + content.length);
  if (id !== undefined) {
    out[0] = 0x80 | id;
  } else {
    out[0] = mime.length - 1;
    out.write(mime, 1, 'latin1');
  }
  out.writeUIntBE(content.length, mimeLength, 3);
  out.set(content, mimeLength + 3);
  return out;
}

function mimeBytes(mime: string): number {
  if (mime.length === 0 || mime.length > MAX_MIME_LENGTH || !/^[\x21-\x7e]+$/.test(mime)) {
    throw new RpcError(Code.InvalidArgument, `metadata MIME type must be 1 to ${MAX_MIME_LENGTH} printable US-ASCII characters: ${JSON.stringify(mime)}`);
  }
  return mime.length;
}

/**
 * Reads every entry. Throws RpcError BAD_REQUEST for truncated or malformed metadata; never reads
 * past the buffer and never allocates more than the entries themselves.
 */
export function decodeComposite(metadata: Buffer): MetadataEntry[] {
  const entries: MetadataEntry[] = [];
  let offset = 0;
  while (offset < metadata.length) {
    const head = metadata[offset++]!;
    let mime: string;
    if ((head & 0x80) !== 0) {
      const id = head & 0x7f;
      mime = NAME_BY_ID.get(id) ?? `reserved/0x${id.toString(16).padStart(2, '0')}`;
    } else {
      const length = head + 1;
      if (offset + length > metadata.length) throw malformed('MIME type runs past the end');
      mime = metadata.toString('latin1', offset, offset + length);
      if (!/^[\x21-\x7e]+$/.test(mime)) throw malformed('MIME type is not printable US-ASCII');
      offset += length;
    }
    if (offset + 3 > metadata.length) throw malformed(`entry ${mime} has no length`);
    const length = metadata.readUIntBE(offset, 3);
    offset += 3;
    if (offset + length > metadata.length) throw malformed(`entry ${mime} runs past the end (${length} bytes declared)`);
    entries.push({ mime, content: metadata.subarray(offset, offset + length) });
    offset += length;
  }
  return entries;
}

/** Routing content: each tag a length byte and that many UTF-8 bytes. */
export function encodeRoute(route: string): Buffer {
  const bytes = Buffer.from(route, 'utf8');
  if (bytes.length === 0 || bytes.length > 255) {
    throw new RpcError(Code.InvalidArgument, `an RSocket route is 1 to 255 UTF-8 bytes: ${JSON.stringify(route)}`);
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** The tags of a routing entry; the first is the route. */
export function decodeRoutes(content: Buffer): string[] {
  const tags: string[] = [];
  let offset = 0;
  while (offset < content.length) {
    const length = content[offset++]!;
    if (offset + length > content.length) throw malformed('routing tag runs past the end');
    tags.push(content.toString('utf8', offset, offset + length));
    offset += length;
  }
  return tags;
}

/** `message/x.rsocket.mime-type.v0` content for one MIME type. */
export function encodeMimeType(mime: string): Buffer {
  const id = (WellKnown as Record<string, number>)[mime];
  if (id !== undefined) return Buffer.from([0x80 | id]);
  const length = mimeBytes(mime);
  const out = Buffer.allocUnsafe(1 + length);
  out[0] = length - 1;
  out.write(mime, 1, 'latin1');
  return out;
}

/** Reads a `message/x.rsocket.mime-type.v0` entry. */
export function decodeMimeType(content: Buffer): string {
  if (content.length === 0) throw malformed('empty mime-type entry');
  const head = content[0]!;
  if ((head & 0x80) !== 0) return NAME_BY_ID.get(head & 0x7f) ?? `reserved/0x${(head & 0x7f).toString(16).padStart(2, '0')}`;
  if (1 + head + 1 > content.length) throw malformed('mime-type entry runs past the end');
  return content.toString('latin1', 1, head + 2);
}

function malformed(what: string): RpcError {
  return new RpcError(Code.BadRequest, `malformed composite metadata: ${what}`);
}
