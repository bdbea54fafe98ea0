import { Code, RpcError, type ClientOptions, type Endpoint, type Protocol, type Registration, type ServerHandler, type ServerOptions } from '@meshlet/core';
import { MAX_FRAME_LENGTH } from './frame-reader.js';
import { MIN_FRAGMENT_SIZE } from './frame-writer.js';
import { RSocketProtocolClient } from './client.js';
import { DEFAULT_PORT, PROTOCOL } from './constants.js';
import { rsocketGenericCall } from './generic.js';
import { RSocketProtocolServer } from './server.js';
import { fromRSocketUrl, toRSocketUrl } from './url.js';

export interface RSocketOptions {
  /** Stream items a consumer requests ahead (request-n window); bounds its buffer. Default 256. */
  readonly streamWindow?: number;
  /** Told about fire-and-forget calls that failed on this provider. */
  readonly onOnewayError?: (error: RpcError) => void;
  /**
   * Frames we send larger than this many bytes (length prefix excluded) go as fragments (FOLLOWS).
   * Default 16 MiB - 1, the most one frame can say: only payloads that need it are fragmented.
   * Lower it for a peer that takes smaller frames; at least 64.
   */
  readonly fragmentSize?: number;
}

/**
 * RSocket over TCP, for `createMeshlet({ protocols: [rsocket()] })`: request-response,
 * fire-and-forget and request-stream, routed by `<interface>.<method>` in composite metadata,
 * with protobuf or JSON payloads.
 */
export function rsocket(options: RSocketOptions = {}): Protocol {
  const { fragmentSize } = options;
  if (fragmentSize !== undefined && !(Number.isInteger(fragmentSize) && fragmentSize >= MIN_FRAGMENT_SIZE && fragmentSize <= MAX_FRAME_LENGTH)) {
    throw new RpcError(Code.InvalidArgument, `rsocket({ fragmentSize }): ${fragmentSize} is not an integer from ${MIN_FRAGMENT_SIZE} to ${MAX_FRAME_LENGTH}`);
  }
  return {
    name: PROTOCOL,
    defaultPort: DEFAULT_PORT,
    streams: true,
    createClient: (endpoint: Endpoint, clientOptions?: ClientOptions) => new RSocketProtocolClient(endpoint, clientOptions, options),
    createServer: (handler: ServerHandler, serverOptions?: ServerOptions) => new RSocketProtocolServer(handler, serverOptions, options),
    toUrl: (registration: Registration) => toRSocketUrl(registration),
    fromUrl: fromRSocketUrl,
    genericCall: rsocketGenericCall,
  };
}
