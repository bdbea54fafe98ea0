import type { TlsOptions } from '../transport-options.js';
import type { BackoffOptions } from './backoff.js';

/** How one ClientChannel connects to one address and keeps its connection. */
export interface ChannelOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions | undefined;
  /** Heartbeat after this long without reads, ms (Dubbo: 60 s). */
  readonly heartbeatInterval?: number;
  /** Close after this long without reads, ms (Dubbo: 3× heartbeat). */
  readonly idleTimeout?: number;
  readonly connectTimeout?: number;
  /**
   * After a call times out with nothing read since it was sent, how long a heartbeat waits for any
   * byte before the connection is closed as dead, ms (default 3000). See `ClientChannel.timedOut`.
   */
  readonly probeTimeout?: number;
  /** Largest frame sent or accepted, bytes (default 8 MiB); a bigger request fails alone with FRAME_TOO_LARGE. */
  readonly maxFrameSize?: number;
  /** ms for a response frame to complete once its header arrived (default 30 s). */
  readonly frameTimeout?: number | undefined;
  /** Unsent bytes above which new calls wait for the socket to drain (default 4 MiB). */
  readonly writeHighWater?: number | undefined;
  readonly backoff?: BackoffOptions;
  /**
   * How long an address sits out once a connection that sent GoAway has closed, ms (default 2000):
   * its provider is stopping, not restarting. See `onClose`.
   */
  readonly goAwayHoldOff?: number | undefined;
}
