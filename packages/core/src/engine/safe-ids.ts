const TWO_32 = 2 ** 32;
/** High halves at or above this make an id of 2^53 or more: never one of ours. */
const HIGH_LIMIT = 0x200000;

/**
 * The id side of a client codec whose request ids are 64 bits on the wire (Dubbo, Motan2): our ids
 * are numbers kept below 2^53, so they are exact and cheap, starting at a random point (a new
 * connection does not reuse the last one's ids at once); a response id outside that range cannot
 * be ours. The protocol's codec extends it and adds framing, classification and decoding.
 */
export abstract class SafeIdCodec {
  /** The id of the frame last accepted as a response. */
  inboundId = 0;
  private id = Math.floor(Math.random() * 2 ** 31);

  nextId(): number {
    this.id = this.id >= Number.MAX_SAFE_INTEGER ? 0 : this.id + 1;
    return this.id;
  }

  /** Takes a response's id halves as `inboundId`; false (nothing taken) when it cannot be one of ours. */
  protected acceptResponseId(high: number, low: number): boolean {
    if (high < 0 || high >= HIGH_LIMIT) return false;
    this.inboundId = high * TWO_32 + low;
    return true;
  }
}
