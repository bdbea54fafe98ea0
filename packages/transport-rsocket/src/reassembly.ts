import { Code, RpcError } from '@meshlet/core';
import { Flag, FrameType, type Frame } from './rsocket-lib.js';

/** Parts under this size are copied into a growing block instead of kept as views (see `Parts`). */
const SMALL_PART = 16 * 1024;
/** Streams remembered as discarding the rest of a fragmented frame; the oldest is forgotten past this. */
const MAX_DISCARDING = 1024;
const EMPTY = Buffer.alloc(0);

/** Frame types whose FOLLOWS flag starts a fragmented frame (RSocket 1.0, "Fragmentation and Reassembly"). */
export function isFragmentable(type: number): boolean {
  return type === FrameType.REQUEST_RESPONSE || type === FrameType.REQUEST_FNF || type === FrameType.REQUEST_STREAM
    || type === FrameType.REQUEST_CHANNEL || type === FrameType.PAYLOAD;
}

/**
 * Bytes of one field (metadata or data) gathered over fragments and copied once at the end. Large
 * parts are kept as views (one copy in all); small ones are packed into blocks that double up to
 * 64 KiB, so a peer sending 1-byte fragments costs bytes, not one Buffer object per fragment.
 */
class Parts {
  private readonly list: Buffer[] = [];
  private block: Buffer | undefined;
  private used = 0;
  length = 0;

  add(part: Buffer): void {
    if (part.length === 0) return;
    this.length += part.length;
    if (part.length >= SMALL_PART) {
      this.seal();
      this.list.push(part);
      return;
    }
    if (this.block === undefined || this.used + part.length > this.block.length) {
      const size = Math.min(4 * SMALL_PART, Math.max(2 * (this.block?.length ?? 0), 256, part.length));
      this.seal();
      this.block = Buffer.allocUnsafe(size);
    }
    this.used += part.copy(this.block, this.used);
  }

  /** The gathered bytes; the only copy of large parts happens here. */
  join(): Buffer {
    this.seal();
    if (this.list.length === 0) return EMPTY;
    return this.list.length === 1 ? this.list[0]! : Buffer.concat(this.list, this.length);
  }

  private seal(): void {
    if (this.block !== undefined && this.used > 0) this.list.push(this.block.subarray(0, this.used));
    this.block = undefined;
    this.used = 0;
  }
}

/** A frame being reassembled: its first fragment and what came since. */
interface Pending {
  readonly first: Frame;
  readonly metadata: Parts;
  readonly data: Parts;
  /** OR of the METADATA and COMPLETE flags (and a PAYLOAD's NEXT) seen on its fragments. */
  flags: number;
  /** Counted against the connection's budget: the size of the frame it will become. */
  bytes: number;
}

/** Told when a stream's reassembly ran over the budget; the stream is then discarded, not the connection. */
export type RefuseFragmented = (first: Frame, error: RpcError) => void;

/**
 * Reassembles fragmented frames (FOLLOWS) per stream before rsocket-core sees them: its own
 * reassembly re-concatenates the whole frame on every fragment (quadratic) and has no limit. Here
 * fragments are gathered and copied once, the frames being reassembled on a connection may hold at
 * most `limit` bytes together (counted as the size of the frames they will become), and a stream
 * that would pass it is refused alone (`onRefused`) while the connection and its other streams
 * carry on. A CANCEL or ERROR on a stream — from the peer, or sent by us (`abandon`) — drops its
 * partial frame at once, and fragments still in flight after one we sent are dropped unbuffered.
 */
export class Reassembler {
  private readonly pending = new Map<number, Pending>();
  /** Streams whose remaining fragments are dropped as they arrive (we cancelled or refused them). */
  private readonly discarding = new Set<number>();
  private held = 0;

  constructor(private readonly limit: number, private readonly onRefused: RefuseFragmented) {}

  /** Bytes held in partial frames on this connection. */
  get bytes(): number {
    return this.held;
  }

  /** Streams with a partial frame. */
  get streams(): number {
    return this.pending.size;
  }

  /**
   * The frame to deliver for `frame` (whose encoded length is `length`), or undefined while it is a
   * fragment of one not yet complete, or dropped. Throws RpcError PROTOCOL for a fragment that
   * cannot continue the frame begun on its stream.
   */
  accept(frame: Frame, length: number): Frame | undefined {
    const id = frame.streamId;
    if (id === 0) return frame;
    const type = frame.type;
    const follows = (frame.flags & Flag.FOLLOWS) !== 0;
    const ends = type === FrameType.CANCEL || type === FrameType.ERROR;
    if (this.discarding.size > 0 && this.discarding.has(id)) {
      if (type === FrameType.PAYLOAD) {
        if (!follows) this.discarding.delete(id); // its last fragment
        return undefined;
      }
      // CANCEL or ERROR ends the stream; a new request means the id was reused: either way, done.
      if (ends || isFragmentable(type)) this.discarding.delete(id);
      if (!isFragmentable(type)) return frame;
    }
    const p = this.pending.get(id);
    if (p === undefined) {
      if (!follows || !isFragmentable(type)) return frame;
      const started: Pending = { first: frame, metadata: new Parts(), data: new Parts(), flags: 0, bytes: 0 };
      this.pending.set(id, started);
      this.add(started, frame, length);
      return undefined;
    }
    if (ends) {
      this.drop(id, p);
      return frame;
    }
    // REQUEST_N (a channel's demand the other way) and other frames pass; only PAYLOAD continues.
    if (type !== FrameType.PAYLOAD) {
      if (isFragmentable(type)) {
        throw new RpcError(Code.Protocol, `RSocket stream ${id}: a new request arrived while a fragmented frame was incomplete`);
      }
      return frame;
    }
    // A continuation adds its metadata and data only (what the whole frame would hold).
    if (!this.add(p, frame, length - continuationOverhead(frame))) return undefined;
    if (follows) return undefined;
    this.drop(id, p);
    const first = p.first;
    const keep = first.flags & ~(Flag.FOLLOWS | Flag.METADATA | Flag.COMPLETE);
    return {
      ...first,
      flags: keep | p.flags,
      metadata: (p.flags & Flag.METADATA) !== 0 ? p.metadata.join() : null,
      data: p.data.join(),
    } as Frame;
  }

  /** We sent CANCEL or ERROR on `streamId`: forget its partial frame and drop the fragments still coming. */
  abandon(streamId: number): void {
    const p = this.pending.get(streamId);
    if (p === undefined) return;
    this.drop(streamId, p);
    this.discard(streamId);
  }

  /** The connection is gone. */
  clear(): void {
    this.pending.clear();
    this.discarding.clear();
    this.held = 0;
  }

  /** Adds a fragment; false when the stream was refused for passing the budget. */
  private add(p: Pending, frame: Frame, counted: number): boolean {
    if (this.held + counted > this.limit) {
      const wanted = this.held + counted;
      this.drop(frame.streamId, p);
      this.discard(frame.streamId);
      this.onRefused(p.first, new RpcError(
        Code.FrameTooLarge,
        `fragmented RSocket frames on this connection would hold ${wanted} bytes, over the limit of ${this.limit}`,
      ));
      return false;
    }
    this.held += counted;
    p.bytes += counted;
    // NEXT only means something on a PAYLOAD (a request's continuations are PAYLOADs that carry it).
    p.flags |= frame.flags & (Flag.METADATA | Flag.COMPLETE | (p.first.type === FrameType.PAYLOAD ? Flag.NEXT : 0));
    if ((frame.flags & Flag.METADATA) !== 0 && frame.metadata != null) p.metadata.add(frame.metadata);
    if (frame.data != null) p.data.add(frame.data as Buffer);
    return true;
  }

  private drop(id: number, p: Pending): void {
    this.held -= p.bytes;
    this.pending.delete(id);
  }

  private discard(id: number): void {
    if (this.discarding.size >= MAX_DISCARDING) {
      // A peer that honours CANCEL never sends the last fragment: forget the oldest such stream.
      this.discarding.delete(this.discarding.values().next().value!);
    }
    this.discarding.add(id);
  }
}

/** Bytes of a continuation fragment that the reassembled frame does not repeat: its header and metadata length. */
function continuationOverhead(frame: Frame): number {
  return 6 + ((frame.flags & Flag.METADATA) !== 0 ? 3 : 0);
}
