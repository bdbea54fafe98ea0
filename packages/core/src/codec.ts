// What a protocol tells the connection engine about its bytes: where a frame ends, what an inbound
// frame is, and the client side's ids, heartbeats and response decoding. Part of the SPI (the
// relay SPI and every transport implement it); the engine (engine/) runs on it and re-exports it.
/** Where one frame ends: the only thing the engine needs to know about a protocol's framing. */
export interface FrameSplitter {
  /** Bytes needed before `frameLength` can answer. */
  readonly headerLength: number;
  /**
   * Total length (header included) of the frame that starts at `buf[offset]`; `headerLength`
   * bytes are available. Throws RpcError PROTOCOL for a header that cannot start a frame.
   */
  frameLength(buf: Buffer, offset: number): number;
}

/** What an inbound frame is, as far as the engine cares. */
export const InboundKind = {
  Response: 0,
  HeartbeatRequest: 1,
  HeartbeatResponse: 2,
  /** The peer asks for no new calls on this connection (Dubbo read-only event, Bolt GoAway). */
  GoAway: 3,
  Ignore: 4,
} as const;
export type InboundKind = (typeof InboundKind)[keyof typeof InboundKind];

/** The protocol side of a client connection: framing, ids, heartbeats, and response decoding. */
export interface ClientCodec<Id, Context> {
  readonly splitter: FrameSplitter;
  /** Classifies a frame; for responses and heartbeat responses, also sets `inboundId`. */
  classify(frame: Buffer): InboundKind;
  /** The request id of the frame last classified as a response. */
  readonly inboundId: Id;
  nextId(): Id;
  encodeHeartbeat(id: Id): Uint8Array;
  /** The reply to a heartbeat request the peer sent us. */
  encodeHeartbeatReply(request: Buffer): Uint8Array | undefined;
  /** Turns a response frame into the call's result; throws RpcError for error responses. */
  decodeResponse(frame: Buffer, context: Context): unknown;
}
