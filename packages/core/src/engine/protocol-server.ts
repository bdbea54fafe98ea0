import type { ProtocolServer, ServerOptions } from '../protocol.js';
import { FrameServer, type ServerCodec } from './server.js';

/** What a protocol chooses for its server where the user did not. */
export interface FrameProtocolDefaults {
  /** Close connections silent for this long, ms (Dubbo and Bolt: 180 s). */
  readonly idleTimeout: number;
  /** See `FrameServerOptions.closeLinger`: how long a drained connection stays open on graceful stop. */
  readonly closeLinger: number;
  /** Largest frame, when the protocol's default differs from the engine's. */
  readonly maxFrameSize?: number | undefined;
}

/**
 * A framed protocol's `ProtocolServer`: the engine's `FrameServer` running the protocol's codec,
 * with the user's `ServerOptions` over the protocol's defaults. Dubbo, Bolt and Motan2 servers
 * are this class with their codec; one that has more to do on stop (Motan2 refuses new requests
 * after a notice period) overrides `close` and calls `super.close`.
 */
export class FrameProtocolServer implements ProtocolServer {
  private readonly server: FrameServer;

  constructor(codec: ServerCodec, options: ServerOptions, defaults: FrameProtocolDefaults) {
    this.server = new FrameServer(codec, {
      host: options.host,
      port: options.port,
      tls: options.tls,
      maxConnections: options.maxConnections,
      maxInFlightPerConnection: options.maxInFlightPerConnection,
      idleTimeout: options.idleTimeout ?? defaults.idleTimeout,
      closeLinger: defaults.closeLinger,
      maxFrameSize: options.maxFrameSize ?? defaults.maxFrameSize,
      frameTimeout: options.frameTimeout,
      writeHighWater: options.writeHighWater,
    });
  }

  get address(): { host: string; port: number } | undefined {
    return this.server.address;
  }

  listen(): Promise<{ host: string; port: number }> {
    return this.server.listen();
  }

  close(graceMs?: number): Promise<void> {
    return this.server.close(graceMs);
  }
}
