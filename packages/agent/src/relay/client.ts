import {
  Code, RpcError,
  type ClientCodec, type ClientOptions, type Endpoint, type Invocation, type Protocol, type RelayCodec, type Registration,
} from '@meshlet/core';
import { ChannelClient } from '@meshlet/core/engine';
import { halves, hasKeys } from './types.js';

/**
 * A multiplexed connection to one upstream (a provider, another agent, or a local app) that
 * carries relayed frames: the engine's channel (ids, deadlines, heartbeats, reconnects) with the
 * protocol's relay codec, which hands responses back as frames. Calls are relay invocations
 * (`Invocation.relay`).
 */
export class RelayClient extends ChannelClient<number, null> {
  private readonly codec: ClientCodec<number, null>;

  constructor(endpoint: Endpoint, private readonly relay: RelayCodec, options: ClientOptions = {}) {
    const codec = relay.clientCodec();
    super(endpoint, codec, options, { heartbeatInterval: relay.heartbeatInterval });
    this.codec = codec;
  }

  invoke(inv: Invocation): Promise<unknown> {
    const call = inv.relay;
    if (call === undefined) {
      return Promise.reject(new RpcError(Code.Internal, `${this.relay.protocol} relay client called without a relayed frame`));
    }
    const id = this.codec.nextId();
    const [high, low] = halves(id);
    // Attachments the runtime added on the way (the agent's span context) join the frame's headers.
    const frame = call.codec.forward(call, high, low, hasKeys(inv.attachments) ? inv.attachments : undefined);
    call.sent = true;
    return this.send(id, frame, inv, null, call.info.oneway);
  }
}

/**
 * A core `Protocol` whose clients relay frames: the agent's runtimes use these under the real
 * protocols' names, so registries, directories, balancers and breakers work as for any call.
 * The agent accepts connections itself (one port for all protocols), so `createServer` is unused.
 */
export function relayProtocol(relay: RelayCodec, real: Protocol): Protocol {
  return {
    name: relay.protocol,
    defaultPort: real.defaultPort,
    createClient: (endpoint: Endpoint, options?: ClientOptions) => new RelayClient(endpoint, relay, options),
    createServer: () => {
      throw new RpcError(Code.Unsupported, 'relay protocols do not serve: the agent listens itself');
    },
    toUrl: (registration: Registration) => real.toUrl(registration),
    fromUrl: (url: string) => real.fromUrl(url),
  };
}
