import type { ClientOptions, Endpoint, Protocol, Registration, ServerHandler, ServerOptions } from '@meshlet/core';
import { DubboClient } from './client.js';
import { DEFAULT_PORT } from './constants.js';
import { dubboGenericCall } from './generic.js';
import { dubboRelay } from './relay.js';
import { DubboServer } from './server.js';
import { fromDubboUrl, toDubboUrl } from './url.js';

const RELEASE = 'meshlet-0.1.0';

/** The Dubbo 2 protocol (`dubbo://`, hessian2), for `createMeshlet({ protocols: [dubbo()] })`. */
export function dubbo(): Protocol {
  return {
    name: 'dubbo',
    defaultPort: DEFAULT_PORT,
    createClient: (endpoint: Endpoint, options?: ClientOptions) => new DubboClient(endpoint, options),
    createServer: (handler: ServerHandler, options?: ServerOptions) => new DubboServer(handler, options),
    toUrl: (registration: Registration) => toDubboUrl(registration, RELEASE),
    fromUrl: fromDubboUrl,
    genericCall: dubboGenericCall,
    relay: dubboRelay,
  };
}
