import { Code, RpcError } from '../errors.js';
import type { ConnectionOptions as TlsConnectionOptions, TlsOptions as NodeTlsServerOptions } from 'node:tls';

/**
 * TLS for any transport: pass Node's own options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, ...). A server with `requestCert: true` and a `ca` does mTLS.
 */
export type TlsOptions = TlsConnectionOptions & NodeTlsServerOptions;

/** 8 MiB, Dubbo's `payload` default; checked from the header, before any body is buffered. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024;

/**
 * A frame whose header has arrived must be complete within this long, ms: a peer that drips a
 * frame one byte at a time (under the size limit) is closed instead of holding its buffer forever.
 */
export const DEFAULT_FRAME_TIMEOUT = 30_000;

/**
 * Above this many bytes queued for a socket and not yet accepted by the kernel, a server stops
 * reading that socket until it drains: a peer that sends requests and never reads the replies
 * cannot grow our memory. Clients use it to hold new calls back instead.
 */
export const DEFAULT_WRITE_HIGH_WATER = 4 * 1024 * 1024;

/** Bytes of partial frames held by every connection of this process together (see engineLimits). */
export const DEFAULT_MAX_PROCESS_BUFFERED = 256 * 1024 * 1024;

/** Limits shared by every connection of the process; change them with configureEngine(). */
export const engineLimits = {
  /** Partial-frame bytes all connections together may hold; the connection that would go past it is closed. */
  maxProcessBuffered: DEFAULT_MAX_PROCESS_BUFFERED,
};

export interface EngineLimits {
  readonly maxProcessBuffered?: number | undefined;
}

/** Sets process-wide engine limits (for every connection opened from now on and those open). */
export function configureEngine(limits: EngineLimits): void {
  if (limits.maxProcessBuffered !== undefined) {
    if (!(limits.maxProcessBuffered > 0)) throw new RpcError(Code.InvalidArgument, `maxProcessBuffered must be > 0, got ${limits.maxProcessBuffered}`);
    engineLimits.maxProcessBuffered = limits.maxProcessBuffered;
  }
}

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
