// How a transport listens and connects, as an app or the runtime says it: plain option types shared
// by the protocol SPI (protocol.ts), the engine and every transport. Defaults live with the engine
// (engine/options.ts).
import type { ConnectionOptions as TlsConnectionOptions, TlsOptions as NodeTlsServerOptions } from 'node:tls';

/**
 * TLS for any transport: pass Node's own options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, ...). A server with `requestCert: true` and a `ca` does mTLS.
 */
export type TlsOptions = TlsConnectionOptions & NodeTlsServerOptions;

/** Per-connection limits, accepted by every server and client channel. */
export interface ConnectionLimits {
  /**
   * Largest frame accepted from the peer or sent to it, bytes (default 8 MiB); a bigger request
   * fails alone with FRAME_TOO_LARGE, unsent.
   */
  readonly maxFrameSize?: number | undefined;
  /** ms for a frame to complete once its header arrived (default 30 s). */
  readonly frameTimeout?: number | undefined;
  /** Unsent bytes above which reading pauses (servers) or calls wait (clients) (default 4 MiB). */
  readonly writeHighWater?: number | undefined;
}

/**
 * How a server listens and treats its connections: the part of the options that the user's
 * `ServerOptions` and the engine's `FrameServerOptions` share, one field meaning one thing in both.
 */
export interface ListenOptions extends ConnectionLimits {
  /** The address to listen on; every interface when omitted. */
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly tls?: TlsOptions | undefined;
  /** Close connections silent for this long, ms (Dubbo: 180 s). */
  readonly idleTimeout?: number | undefined;
}

/**
 * How a client connection is kept: the part of the options that the user's `ClientOptions` and
 * the engine's per-endpoint channel options share.
 */
export interface ConnectOptions extends ConnectionLimits {
  readonly tls?: TlsOptions | undefined;
  /** Heartbeat after this long without reads, ms (Dubbo: 60 s). */
  readonly heartbeatInterval?: number | undefined;
  /** Close the connection after this long without reads, ms (3× heartbeat by default). */
  readonly idleTimeout?: number | undefined;
  readonly connectTimeout?: number | undefined;
  /**
   * When a call times out with nothing read on its connection since it was sent, a heartbeat goes
   * out; no byte back within this many ms closes the connection as dead (a partition, a black
   * hole), so its address is sidelined and reconnected in the background (default 3000).
   */
  readonly probeTimeout?: number | undefined;
  /**
   * Once a connection whose provider sent GoAway (Dubbo's read-only event) has closed, how long
   * its address takes no calls before it is tried again, ms (default 2000): that provider is stopping.
   */
  readonly goAwayHoldOff?: number | undefined;
}
