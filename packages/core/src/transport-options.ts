// How a transport listens and connects, as an app or the runtime says it: plain option types shared
// by the protocol SPI (protocol.ts), the engine and every transport. Defaults live with the engine
// (engine/options.ts).
import type { ConnectionOptions as TlsConnectionOptions, TlsOptions as NodeTlsServerOptions } from 'node:tls';

/** The certificate material a `TlsSource` holds at one moment (PEM, as Node's options take it). */
export interface TlsMaterial {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Trusted roots for the peer's certificate; without them Node's default roots are used. */
  readonly ca?: string | Buffer | undefined;
}

/**
 * Certificates that change while the process runs (files rotated on disk, an SDS server's push).
 * Every new connection takes `current()`; connections already open keep the certificate they
 * were made with and finish their calls.
 */
export interface TlsSource {
  /**
   * Resolves once the first material is loaded (a listener does not open before); rejects with
   * an RpcError when it cannot be loaded in time.
   */
  ready(): Promise<void>;
  /** The material for the next connection; throws an RpcError before `ready()` has resolved. */
  current(): TlsMaterial;
  /** Calls `listener` after each change; returns a function that stops it. */
  onChange(listener: () => void): () => void;
}

/**
 * TLS for any transport: Node's own options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, `requestCert`, `handshakeTimeout`, ...) and Meshlet's:
 *
 * - `source`: certificates that rotate (its material replaces `cert`, `key` and `ca`);
 * - `mode`: on a server, `strict` accepts TLS only; `permissive` also plaintext on the same
 *   port, told apart by the first byte, while a fleet migrates (Istio's PeerAuthentication
 *   modes). On a client: unset, every endpoint is dialed over TLS unless it says
 *   `ssl-enabled=false` (as a Java Dubbo 3 consumer with an SslConfig dials all); `strict`,
 *   every endpoint whatever it says; `permissive`, only the endpoints that advertise
 *   `ssl-enabled=true` (Istio's auto mTLS), plaintext to the rest;
 * - `identities` (clients): the server's certificate must carry one of these, as a URI SAN
 *   (`spiffe://…`) or a DNS name; replaces the host-name check.
 *
 * A server with `requestCert: true` and a `ca` (or a source with one) does mTLS.
 */
export type TlsOptions = TlsConnectionOptions &
  NodeTlsServerOptions & {
    readonly source?: TlsSource | undefined;
    readonly mode?: 'strict' | 'permissive' | undefined;
    readonly identities?: readonly string[] | undefined;
  };

/** Who is on the other end of a connection, from the certificate it presented and we verified. */
export interface PeerIdentity {
  /** The first `spiffe://` URI SAN, the workload identity meshes authorize by. */
  readonly spiffeId?: string | undefined;
  /** The certificate subject, RFC 2253 style: `CN=orders,O=Acme`. */
  readonly subject: string;
  /** Every URI SAN. */
  readonly uris: readonly string[];
  /** Every DNS SAN. */
  readonly dnsNames: readonly string[];
}

/** Where a server-side call came from: the connection's address and, over mTLS, its identity. */
export interface CallPeer {
  readonly remoteAddress: string;
  readonly identity?: PeerIdentity | undefined;
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
  /** Connections this listener holds at most; more are closed on arrival (default 10 000). */
  readonly maxConnections?: number | undefined;
  /**
   * Requests one connection may have in flight (read, not yet answered) at most (default 4096);
   * one more is answered at once with the protocol's busy refusal (Dubbo status 100, Bolt
   * SERVER_THREADPOOL_BUSY, Motan2 503), unread and unrun, so a Meshlet caller retries it
   * elsewhere as SERVER_BUSY; a one-way request over it is dropped. It keeps one peer from taking
   * every handler slot and the memory of every decoded argument. Dubbo and Bolt clients carry a
   * whole app over one connection, so the default is far above what a legitimate one keeps: Java
   * providers refuse past 200 concurrent calls per provider (Dubbo's and SOFARPC's thread pools)
   * or 800 (Motan's), and 4096 on one connection is 40 000 calls/s at 100 ms each.
   */
  readonly maxInFlightPerConnection?: number | undefined;
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
