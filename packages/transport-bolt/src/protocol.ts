import { Code, RpcError, type ClientOptions, type Endpoint, type Protocol, type Registration, type ServerHandler, type ServerOptions } from '@meshlet/core';
import { BoltClient } from './client.js';
import { DEFAULT_PORT } from './constants.js';
import { dialectOf, type HessianFlavour } from './flavours.js';
import { V1, V2, V2_CRC, type FrameShape } from './frame.js';
import { boltRelay } from './relay.js';
import { BoltServer } from './server.js';
import { fromSofaUrl, toSofaUrl } from './url.js';

export interface BoltOptions {
  /**
   * Hessian flavour of the requests this side sends: `hessian2-draft` (default: Hessian 3.1.3's
   * draft, what SOFARPC ships with sofa-hessian 3.x) or `hessian2` (Hessian 4, for SOFARPC on
   * sofa-hessian 4.x). Replies always come in the flavour of the request.
   */
  readonly hessian?: HessianFlavour;
  /** Request framing: `v1` (default, what SOFARPC's client sends), `v2`, or `v2-crc` (v2 with a CRC32 trailer). */
  readonly frame?: 'v1' | 'v2' | 'v2-crc';
  /** The provider application, sent as `targetAppName` / `sofa_head_target_app` (SOFARPC's `targetAppName`). */
  readonly targetApp?: string;
  /** Providers: send MOSN's GoAway on graceful stop (off by default; see `BoltServerOptions.goAway`). */
  readonly goAway?: boolean;
}

const SHAPES: Record<string, FrameShape> = { v1: V1, v2: V2, 'v2-crc': V2_CRC };

/** SOFA Bolt (SOFARPC, sofa-rpc-node, MOSN), for `createMeshlet({ protocols: [bolt()] })`. Default port 12200. */
export function bolt(options: BoltOptions = {}): Protocol {
  dialectOf(options.hessian); // reject a bad flavour now, not at the first call
  const frame = SHAPES[options.frame ?? 'v1'];
  if (frame === undefined) throw new RpcError(Code.InvalidArgument, `unknown Bolt frame ${JSON.stringify(options.frame)} (use 'v1', 'v2' or 'v2-crc')`);
  return {
    name: 'bolt',
    defaultPort: DEFAULT_PORT,
    createClient: (endpoint: Endpoint, clientOptions?: ClientOptions) =>
      new BoltClient(endpoint, { ...clientOptions, hessian: options.hessian, frame, targetApp: options.targetApp }),
    createServer: (handler: ServerHandler, serverOptions?: ServerOptions) =>
      new BoltServer(handler, { ...serverOptions, hessian: options.hessian, goAway: options.goAway }),
    toUrl: (registration: Registration) => toSofaUrl(registration),
    fromUrl: fromSofaUrl,
    relay: boltRelay,
  };
}
