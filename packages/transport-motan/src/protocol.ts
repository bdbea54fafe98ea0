import type { ClientOptions, Endpoint, Protocol, Registration, ServerHandler, ServerOptions } from '@meshlet/core';
import { MotanClient } from './client.js';
import { DEFAULT_PORT, PROTOCOL } from './constants.js';
import { resolveOptions, type Motan2Options } from './options.js';
import { motanRelay } from './relay.js';
import { MotanServer } from './server.js';
import { fromMotanUrl, toMotanUrl } from './url.js';

/**
 * Motan2 (`motan2://`, simple or breeze), for `createMeshlet({ protocols: [motan2()] })`. Talks to
 * motan (Java), motan-go and the motan-go agent.
 */
export function motan2(options: Motan2Options = {}): Protocol {
  const resolved = resolveOptions(options);
  return {
    name: PROTOCOL,
    defaultPort: DEFAULT_PORT,
    createClient: (endpoint: Endpoint, clientOptions?: ClientOptions) => new MotanClient(endpoint, clientOptions ?? {}, resolved),
    createServer: (handler: ServerHandler, serverOptions?: ServerOptions) => new MotanServer(handler, serverOptions ?? {}, resolved),
    toUrl: (registration: Registration) => toMotanUrl(registration, resolved.serialization),
    fromUrl: fromMotanUrl,
    relay: motanRelay,
  };
}
