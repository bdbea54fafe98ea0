import { Code, RpcError, remaining, type Invocation, type MethodDefinition, type ServiceDefinition } from '@meshlet/core';
import {
  COMPOSITE_MIME, MIME_TYPE_MIME, ROUTING_MIME, WellKnown, decodeMimeType, decodeRoutes, encodeEntry, encodeMimeType, encodeRoute,
} from './composite-metadata.js';
import { Key, MESHLET_MIME, decodeMeshlet, encodePairs, requestPairsLength, writeRequestPairs, type MeshletMetadata } from './meshlet-metadata.js';
import { JSON_MIME, methodCodec } from './payload-codec.js';
import { routeOf } from './route.js';

/**
 * A request's metadata: composite metadata with the routing entry (the route, see `route.ts`),
 * for protobuf methods a `message/x.rsocket.mime-type.v0` entry, then Meshlet's entry (budget,
 * version, group, attachments). Everything but the budget and the attachments is the same on every
 * call of a method, so it is encoded once per (service, method).
 */
export class RequestMetadataEncoder {
  private readonly prefix: Buffer;
  private readonly fixedPairs: Buffer;
  /** The meshlet entry's MIME bytes (length-1, then the type), before its 24-bit length. */
  private static readonly meshletHead = Buffer.concat([Buffer.from([MESHLET_MIME.length - 1]), Buffer.from(MESHLET_MIME, 'latin1')]);

  constructor(service: ServiceDefinition, method: MethodDefinition) {
    const entries = [encodeEntry(ROUTING_MIME, encodeRoute(routeOf(service.interface, method.name)))];
    const mime = methodCodec(method).mime;
    if (mime !== JSON_MIME) entries.push(encodeEntry(MIME_TYPE_MIME, encodeMimeType(mime)));
    this.prefix = Buffer.concat(entries);
    const pairs: [string, string][] = [];
    if (service.version) pairs.push([Key.version, service.version]);
    if (service.group) pairs.push([Key.group, service.group]);
    this.fixedPairs = encodePairs(pairs);
  }

  /** One allocation per call: the precomputed bytes, then the budget and attachments written in place. */
  encode(inv: Invocation): Buffer {
    const timeout = String(Math.max(1, Math.ceil(remaining(inv))));
    const length = requestPairsLength(this.fixedPairs, timeout, inv.attachments);
    const head = RequestMetadataEncoder.meshletHead;
    const out = Buffer.allocUnsafe(this.prefix.length + head.length + 3 + length);
    let offset = this.prefix.copy(out, 0);
    offset += head.copy(out, offset);
    out.writeUIntBE(length, offset, 3);
    writeRequestPairs(out, offset + 3, this.fixedPairs, timeout, inv.attachments);
    return out;
  }
}

const encoders = new WeakMap<ServiceDefinition, Map<string, RequestMetadataEncoder>>();

/** The encoder for a method of a service definition, built on first use. */
export function requestMetadataEncoder(service: ServiceDefinition, method: MethodDefinition): RequestMetadataEncoder {
  let byMethod = encoders.get(service);
  if (byMethod === undefined) encoders.set(service, (byMethod = new Map()));
  let encoder = byMethod.get(method.key);
  if (encoder === undefined) byMethod.set(method.key, (encoder = new RequestMetadataEncoder(service, method)));
  return encoder;
}

/** What a provider reads from a request's metadata. */
export interface RequestMetadata {
  readonly route: string;
  /** The data MIME type the request named, when it named one. */
  readonly dataMime: string | undefined;
  readonly meshlet: MeshletMetadata | undefined;
}

/**
 * Reads request metadata sent under the connection's metadata MIME type: composite metadata
 * (Meshlet, Spring), or a bare routing entry (`message/x.rsocket.routing.v0` as the connection's
 * metadata type). Throws RpcError BAD_REQUEST for malformed metadata or a missing route.
 */
export function decodeRequestMetadata(metadata: Buffer | null | undefined, metadataMime: string): RequestMetadata {
  if (!metadata || metadata.length === 0) {
    throw new RpcError(Code.BadRequest, 'the request has no metadata: a route (message/x.rsocket.routing.v0) is required');
  }
  if (metadataMime === ROUTING_MIME) return { route: firstRoute(metadata), dataMime: undefined, meshlet: undefined };
  let route: string | undefined;
  let dataMime: string | undefined;
  let meshlet: MeshletMetadata | undefined;
  // Walks the entries in place (what `decodeComposite` does, minus an object per entry): this runs
  // on every request. Same checks, same errors.
  let offset = 0;
  while (offset < metadata.length) {
    const head = metadata[offset++]!;
    let kind: 'routing' | 'mime' | 'meshlet' | 'other' = 'other';
    if ((head & 0x80) !== 0) {
      const id = head & 0x7f;
      if (id === ROUTING_ID) kind = 'routing';
      else if (id === MIME_TYPE_ID) kind = 'mime';
    } else {
      const length = head + 1;
      if (offset + length > metadata.length) throw malformed('MIME type runs past the end');
      if (length === MESHLET_BYTES.length && metadata.compare(MESHLET_BYTES, 0, length, offset, offset + length) === 0) kind = 'meshlet';
      else if (length === ROUTING_BYTES.length && metadata.compare(ROUTING_BYTES, 0, length, offset, offset + length) === 0) kind = 'routing';
      else if (length === MIME_TYPE_BYTES.length && metadata.compare(MIME_TYPE_BYTES, 0, length, offset, offset + length) === 0) kind = 'mime';
      offset += length;
    }
    if (offset + 3 > metadata.length) throw malformed('an entry has no length');
    const length = metadata.readUIntBE(offset, 3);
    offset += 3;
    if (offset + length > metadata.length) throw malformed(`an entry runs past the end (${length} bytes declared)`);
    const end = offset + length;
    switch (kind) {
      case 'routing':
        route ??= firstRoute(metadata.subarray(offset, end));
        break;
      case 'mime':
        dataMime = decodeMimeType(metadata.subarray(offset, end));
        break;
      case 'meshlet':
        meshlet = decodeMeshlet(metadata.subarray(offset, end));
        break;
    }
    offset = end;
  }
  if (route === undefined) throw new RpcError(Code.BadRequest, 'the request metadata has no route (message/x.rsocket.routing.v0 entry)');
  return { route, dataMime, meshlet };
}

const ROUTING_ID = WellKnown[ROUTING_MIME];
const MIME_TYPE_ID = WellKnown[MIME_TYPE_MIME];
const MESHLET_BYTES = Buffer.from(MESHLET_MIME, 'latin1');
const ROUTING_BYTES = Buffer.from(ROUTING_MIME, 'latin1');
const MIME_TYPE_BYTES = Buffer.from(MIME_TYPE_MIME, 'latin1');

function malformed(what: string): RpcError {
  return new RpcError(Code.BadRequest, `malformed composite metadata: ${what}`);
}

function firstRoute(content: Buffer): string {
  // Only the first tag is the route; the rest are checked, not kept.
  const tags = decodeRoutes(content);
  if (tags.length === 0 || tags[0] === '') throw new RpcError(Code.BadRequest, 'the routing entry has no route');
  return tags[0]!;
}

/** The metadata MIME types a provider accepts in SETUP. */
export const ACCEPTED_METADATA_MIMES: ReadonlySet<string> = new Set([COMPOSITE_MIME, ROUTING_MIME]);
