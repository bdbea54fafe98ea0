import type { ClientOptions, Endpoint, Protocol, Registration, ServerHandler, ServerOptions } from '@meshlet/core';
import { TripleProtocolClient, type TripleClientOptions } from './client.js';
import { DEFAULT_PORT, PROTOCOL } from './constants.js';
import { TripleProtocolServer, type TripleServerOptions } from './server.js';
import { fromTripleUrl, toTripleUrl } from './url.js';

export interface TripleOptions extends TripleClientOptions, TripleServerOptions {}

/**
 * Dubbo 3's Triple protocol (gRPC over HTTP/2), for `createMeshlet({ protocols: [triple()] })`:
 * unary, server-, client- and bidi-streaming calls at `/{interface}/{method}`, protobuf methods as bare messages
 * (any gRPC peer), other methods in Dubbo's wrapped hessian2 mode (Java interfaces without IDL).
 */
export function triple(options: TripleOptions = {}): Protocol {
  return {
    name: PROTOCOL,
    defaultPort: DEFAULT_PORT,
    streams: 'all',
    createClient: (endpoint: Endpoint, clientOptions?: ClientOptions) => new TripleProtocolClient(endpoint, clientOptions, options),
    createServer: (handler: ServerHandler, serverOptions?: ServerOptions) => new TripleProtocolServer(handler, serverOptions, options),
    toUrl: (registration: Registration) => toTripleUrl(registration),
    fromUrl: fromTripleUrl,
  };
}
