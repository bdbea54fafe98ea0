import type { ClientCodec, FrameSplitter, RpcError, ServiceKey } from '@meshlet/core';

/** What the agent reads from a request frame to route it: the header only, never the arguments' types. */
export interface RequestInfo {
  readonly protocol: string;
  /** The service, normalized per protocol (see `routeKey`). */
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

/** Which way a call goes through the agent: from a local app out, or from the network in to a local app. */
export type Direction = 'egress' | 'ingress';

/**
 * One call in transit: the caller's frame (the agent's own copy), what it says, where it goes.
 * The body bytes are relayed unchanged; only the request id (and, when asked, headers) change.
 */
export class RelayRequest {
  /** Set once the frame went out: a retry then works on a copy, as the first may still be queued. */
  sent = false;

  constructor(
    readonly codec: RelayCodec,
    readonly frame: Buffer,
    readonly info: RequestInfo,
    readonly direction: Direction,
    /** Absolute, `Date.now()` ms. */
    readonly deadline: number,
  ) {}
}

export type FrameKind = 'request' | 'heartbeat' | 'ignore';

/**
 * One protocol as the agent relays it: classify inbound frames, read the routing header, rewrite
 * request ids on the way out and back, answer heartbeats and failures in the protocol's own terms,
 * and frame the upstream connections. Holds no sockets.
 */
export interface RelayCodec {
  readonly protocol: string;
  /** The first byte of a connection that speaks this protocol. */
  readonly firstBytes: readonly number[];
  readonly splitter: FrameSplitter;
  kind(frame: Buffer): FrameKind;
  heartbeatReply(frame: Buffer): Uint8Array | undefined;
  /**
   * The frame telling an app to send no new calls on this connection, written when the agent
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
  /** Throws RpcError (BAD_REQUEST, UNSUPPORTED) for a request the agent cannot route. */
  inspect(frame: Buffer): RequestInfo;
  /**
   * The frame to send upstream with id `(high, low)`: `req.frame` patched in place on the first
   * send, a copy after that; `extra` headers added when given (trace context of the agent's span).
   */
  forward(req: RelayRequest, high: number, low: number, extra: Readonly<Record<string, string>> | undefined): Buffer;
  /** Puts the caller's id back into a response (the agent's own copy), in place. */
  restoreId(response: Buffer, high: number, low: number): Buffer;
  /** The protocol's error reply to `request` (whose id is `(high, low)`). */
  errorReply(request: Buffer, high: number, low: number, error: RpcError): Uint8Array;
  /** A fresh codec for one upstream connection; responses come back as copies of their frames. */
  clientCodec(): ClientCodec<number, null>;
  /** Default heartbeat interval for upstream connections, ms. */
  readonly heartbeatInterval: number;
}

/** Splits a number id below 2^53 into uint32 halves. */
export function halves(id: number): [number, number] {
  return [Math.floor(id / 0x1_0000_0000), id % 0x1_0000_0000];
}

/** True when `record` has at least one key. */
export function hasKeys(record: Readonly<Record<string, string>> | undefined): boolean {
  if (record === undefined) return false;
  for (const _ in record) return true;
  return false;
}
