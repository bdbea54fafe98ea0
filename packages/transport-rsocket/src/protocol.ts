import type { ClientOptions, Endpoint, Protocol, Registration, RpcError, ServerHandler, ServerOptions } from '@meshlet/core';
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
}

/**
 * RSocket over TCP, for `createMeshlet({ protocols: [rsocket()] })`: request-response,
 * fire-and-forget and request-stream, routed by `<interface>.<method>` in composite metadata,
 * with protobuf or JSON payloads.
 */
export function rsocket(options: RSocketOptions = {}): Protocol {
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
