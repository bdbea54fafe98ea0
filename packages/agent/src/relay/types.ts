import type { RelayCall, RelayCodec, RelayDirection, RelayRequestInfo } from '@meshlet/core';

// The relay SPI lives in core (`relay.ts`); these names are the agent's own, kept for its users.
export type { RelayCodec, RelayFrameKind as FrameKind, RelayRequestInfo as RequestInfo, RelayDirection as Direction } from '@meshlet/core';

/**
 * One call in transit: the caller's frame (the agent's own copy), what it says, where it goes.
 * The body bytes are relayed unchanged; only the request id (and, when asked, headers) change.
 */
export class RelayRequest implements RelayCall {
  /** Set once the frame went out: a retry then works on a copy, as the first may still be queued. */
  sent = false;

  constructor(
    readonly codec: RelayCodec,
    readonly frame: Buffer,
    readonly info: RelayRequestInfo,
    readonly direction: RelayDirection,
    /** Absolute, `Date.now()` ms. */
    readonly deadline: number,
  ) {}
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
