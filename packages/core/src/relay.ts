// The relay SPI: what a protocol exports so that a proxy (Meshlet's agent) can relay its calls
// frame by frame without decoding arguments. Types only: each transport package implements it in
// its own `relay.ts` and hands it out as `Protocol.relay`, so the agent holds no protocol's codec
// or status table and picks up any protocol that has one.
import type { ClientCodec, FrameSplitter } from './codec.js';
import type { RpcError } from './errors.js';
import type { ServiceKey } from './service-key.js';

/** Which way a call goes through the agent: from a local app out, or from the network in to a local app. */
export type RelayDirection = 'egress' | 'ingress';

/** What an inbound frame on a relayed connection is. */
export type RelayFrameKind = 'request' | 'heartbeat' | 'ignore';

/** What a relay reads from a request frame to route it: the header only, never the arguments' types. */
export interface RelayRequestInfo {
  readonly protocol: string;
  /** The service, normalized as `ProtocolRelay.routeKey` does. */
  readonly service: ServiceKey;
  readonly method: string;
  readonly oneway: boolean;
  /** The caller's timeout, ms, when the frame carries one. */
  readonly timeoutMs: number | undefined;
  /** The frame's string headers (Dubbo attachments, Bolt header map, Motan meta): trace context. */
  readonly headers: Readonly<Record<string, string>>;
  /** Dubbo: where the attachments map begins in the frame (a header rewrite replaces it). */
  readonly attachmentsAt?: number;
}

/**
 * One call in transit, as the invocation of a relayed call carries it (`Invocation.relay`): the
 * caller's frame (the proxy's own copy), what its header says, and the codec that read it. The
 * body bytes are relayed unchanged; only the request id (and, when asked, headers) change.
 */
export interface RelayCall {
  readonly codec: RelayCodec;
  readonly frame: Buffer;
  readonly info: RelayRequestInfo;
  readonly direction: RelayDirection;
  /** Absolute, `Date.now()` ms. */
  readonly deadline: number;
  /** Set once the frame went out: a retry then works on a copy, as the first may still be queued. */
  sent: boolean;
}

/**
 * One protocol as a proxy relays it: classify inbound frames, read the routing header, rewrite
 * request ids on the way out and back, answer heartbeats, stop signals and failures in the
 * protocol's own terms (its own status table), and frame the upstream connections. Holds no
 * sockets; its writers are not re-entrant (one codec per proxy, used from one thread).
 */
export interface RelayCodec {
  readonly protocol: string;
  /** The first bytes of a connection that speaks this protocol (one port serves every protocol). */
  readonly firstBytes: readonly number[];
  readonly splitter: FrameSplitter;
  /** Default heartbeat interval for upstream connections, ms. */
  readonly heartbeatInterval: number;
  /**
   * For a protocol whose stop signal is refusing (`stoppingReply`): how long callers that found
   * the proxy in a registry are still served after a stop begins, ms, as its providers do.
   */
  readonly stopNotice?: number;
  kind(frame: Buffer): RelayFrameKind;
  heartbeatReply(frame: Buffer): Uint8Array | undefined;
  /**
   * The frame telling a caller to send no new calls on this connection, written when the proxy
   * stops (Dubbo's read-only event, Bolt's GoAway when enabled); undefined if the protocol has none.
   */
  goAway(): Uint8Array | undefined;
  /**
   * For a protocol with no such frame (Motan2): the refusal of a two-way request that arrives once
   * the stop signal is due, as a stopping provider of that protocol refuses it (never executed, so
   * the caller resends it elsewhere). Heartbeats then go unanswered. Absent when `goAway` is the signal.
   */
  stoppingReply?(request: Buffer, high: number, low: number): Uint8Array;
  /** True for a request that expects no reply (read from the fixed header alone). */
  oneway(frame: Buffer): boolean;
  /** The request id's bytes as two uint32 halves (Bolt: high 0). */
  idOf(frame: Buffer): [high: number, low: number];
  /** Throws RpcError (BAD_REQUEST, UNSUPPORTED) for a request that cannot be routed. */
  inspect(frame: Buffer): RelayRequestInfo;
  /**
   * The frame to send upstream with id `(high, low)`: `call.frame` patched in place on the first
   * send, a copy after that; `extra` headers added when given (trace context of the proxy's span).
   */
  forward(call: RelayCall, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer;
  /** Puts the caller's id back into a response (the proxy's own copy), in place. */
  restoreId(response: Buffer, high: number, low: number): Buffer;
  /** The protocol's error reply to `request` (whose id is `(high, low)`), as a proxy of that protocol answers its own failures. */
  errorReply(request: Buffer, high: number, low: number, error: RpcError): Uint8Array;
  /** A fresh codec for one upstream connection; responses come back as copies of their frames. */
  clientCodec(): ClientCodec<number, null>;
}

export interface RelayOptions {
  /**
   * Send the protocol's stop frame on stop even where callers of that protocol may not know it
   * (Bolt: MOSN's GoAway, which Java Bolt clients do not read). Protocols whose callers all know
   * their stop signal (Dubbo's read-only event) send it regardless.
   */
  readonly optionalGoAway?: boolean;
}

/** What a protocol exports for relays (`Protocol.relay`). */
export interface ProtocolRelay {
  /**
   * The key a service is routed and registered under. Each protocol's frames spell "no version"
   * and "no group" their own way, so the same normalization is applied to what apps register and
   * to what frames ask for, and the two meet.
   */
  routeKey(key: ServiceKey): ServiceKey;
  /** A new codec (its own writers). */
  codec(options?: RelayOptions): RelayCodec;
}
