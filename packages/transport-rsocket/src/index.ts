import type { ProtocolRegistration } from '@meshlet/core';
import { rsocket, type RSocketOptions } from './protocol.js';
export { rsocket, type RSocketOptions } from './protocol.js';
export { RSocketProtocolClient, type RSocketClientOptions } from './client.js';
export { RSocketProtocolServer, type RSocketServerOptions } from './server.js';
export { protobufMessage, protobufMethods, protobufBindingOf, ProtobufBinding, type ProtobufMessageOptions } from './protobuf.js';
export { jsonCodec, type JsonCodec } from './json-codec.js';
export { methodCodec, JSON_MIME, PROTOBUF_MIME, type MethodCodec } from './payload-codec.js';
export { routeOf, parseRoute } from './route.js';
export { toRSocketUrl, fromRSocketUrl } from './url.js';
export {
  encodeEntry, decodeComposite, encodeRoute, decodeRoutes, encodeMimeType, decodeMimeType,
  ROUTING_MIME, COMPOSITE_MIME, MIME_TYPE_MIME, type MetadataEntry,
} from './composite-metadata.js';
export { MESHLET_MIME, decodeMeshlet, type MeshletMetadata } from './meshlet-metadata.js';
export { decodeRequestMetadata, type RequestMetadata } from './request-metadata.js';
export { errorMessage, errorFromFrame } from './errors.js';
export { PROTOCOL, DEFAULT_PORT } from './constants.js';
export { rsocketGenericCall } from './generic.js';

/** RSocket for `registerProtocols([...])`: the one line that makes `protocols: ['rsocket']` work. */
export const rsocketProtocol: ProtocolRegistration<RSocketOptions> = { name: 'rsocket', create: rsocket };
