import { Code, toRpcError } from '@meshlet/core';
import { DEFAULT_WRITE_HIGH_WATER, type Connection } from '@meshlet/core/engine';
import { RelayRequest, type Direction, type RelayCodec } from './relay/index.js';
import type { Counter } from './stats.js';

/** Sends a relayed request on and resolves with the reply frame (undefined for oneway calls). */
export type Router = (req: RelayRequest) => Promise<unknown>;

/**
 * One accepted connection of one protocol: answers heartbeats, reads each request's routing
 * header, hands it to the router, and writes the reply with the caller's request id — or the
 * protocol's error reply naming what went wrong. Counts the requests it is still answering, for
 * a graceful stop.
 *
 * Back-pressure: the agent holds each request's frame until its reply (a retry may resend it),
 * and a caller's replies sit in the socket until the caller reads them. Once those bytes together
 * pass `highWater` the session stops reading the caller, and reads again when they are down to
 * half: a caller that pipelines huge frames to a provider that never reads them, or that never
 * reads its own replies, holds at most about `highWater` (plus one frame) of the agent's memory.
 */
export class RelaySession {
  #inFlight = 0;
  #begun = 0;
  /** Bytes of the request frames this session's calls hold until they are answered. */
  #held = 0;
  #paused = false;
  #drained: (() => void)[] = [];
  readonly #highWater: number;
  /** `Date.now()` from which new requests are refused (protocols whose stop signal is refusing: Motan2). */
  #refuseFrom = Number.POSITIVE_INFINITY;

  constructor(
    readonly connection: Connection,
    private readonly codec: RelayCodec,
    private readonly direction: Direction,
    private readonly route: Router,
    private readonly counter: Counter,
    private readonly defaultTimeout: number,
    highWater = DEFAULT_WRITE_HIGH_WATER,
  ) {
    this.#highWater = highWater;
    connection.socket.on('drain', () => this.#maybeResume());
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Requests taken on this connection so far (a stop waits until none arrives for a while). */
  get begun(): number {
    return this.#begun;
  }

  /** True while reading is paused for back-pressure. */
  get paused(): boolean {
    return this.#paused;
  }

  idle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((r) => this.#drained.push(r));
  }

  /**
   * Tells the caller to send no new calls here: the protocol's frame (Dubbo, Bolt), or, for a
   * protocol without one (Motan2), refusing new requests and heartbeats after `noticeMs` (0: at
   * once), as a stopping provider of that protocol does. A refused request was never begun, so
   * the drain does not wait for it, and the caller resends it elsewhere.
   */
  goAway(noticeMs = 0): void {
    const frame = this.codec.goAway();
    if (frame !== undefined) this.connection.write(frame);
    else if (this.codec.stoppingReply !== undefined) this.#refuseFrom = Math.min(this.#refuseFrom, Date.now() + noticeMs);
  }

  onFrame(frame: Buffer): void {
    const codec = this.codec;
    const kind = codec.kind(frame);
    if (this.#refuseFrom !== Number.POSITIVE_INFINITY && Date.now() >= this.#refuseFrom && this.#refuse(frame, kind)) return;
    if (kind === 'heartbeat') {
      this.counter.heartbeats++;
      const reply = codec.heartbeatReply(frame);
      if (reply) this.connection.write(reply);
      return;
    }
    if (kind !== 'request') return;
    this.counter.requests++;
    this.#begun++;
    const [high, low] = codec.idOf(frame);
    const copy = Buffer.from(frame); // the frame is a view into the socket's chunk, valid only now
    let req: RelayRequest;
    try {
      const info = codec.inspect(frame);
      req = new RelayRequest(codec, copy, info, this.direction, Date.now() + (info.timeoutMs ?? this.defaultTimeout));
    } catch (err) {
      this.counter.rejected++;
      // A oneway request cannot be answered; a two-way one gets the protocol's refusal.
      if (!codec.oneway(copy)) this.#write(codec.errorReply(copy, high, low, toRpcError(err, Code.BadRequest)));
      return;
    }
    this.#inFlight++;
    this.counter.inFlight++;
    const size = copy.length;
    this.#held += size;
    if (!this.#paused && this.#pressure() > this.#highWater) this.#pause();
    this.route(req).then(
      (reply) => {
        if (!req.info.oneway && reply instanceof Buffer) {
          this.counter.responses++;
          this.#write(codec.restoreId(reply, high, low));
        }
        this.#done(size);
      },
      (err: unknown) => {
        if (!req.info.oneway) {
          this.counter.errors++;
          this.#write(codec.errorReply(copy, high, low, toRpcError(err, Code.Internal)));
        }
        this.#done(size);
      },
    );
  }

  /**
   * While stopping: heartbeats unanswered (a reply would bring a caller that probes back), two-way
   * requests refused. Oneway requests are still relayed (no refusal can reach their caller).
   */
  #refuse(frame: Buffer, kind: string): boolean {
    if (kind === 'heartbeat') return true;
    if (kind !== 'request' || this.codec.oneway(frame)) return false;
    this.counter.rejected++;
    const [high, low] = this.codec.idOf(frame);
    this.#write(this.codec.stoppingReply!(frame, high, low));
    return true;
  }

  #write(frame: Uint8Array): void {
    this.connection.write(frame);
    if (!this.#paused && this.#pressure() > this.#highWater) this.#pause();
  }

  /** What this caller makes the agent hold: its requests' frames and its unread replies. */
  #pressure(): number {
    return this.#held + this.connection.socket.writableLength;
  }

  #pause(): void {
    this.#paused = true;
    this.connection.socket.pause();
  }

  #maybeResume(): void {
    if (!this.#paused || this.#pressure() > this.#highWater / 2) return;
    this.#paused = false;
    if (!this.connection.isClosed) this.connection.socket.resume();
  }

  #done(size: number): void {
    this.#held -= size;
    this.counter.inFlight--;
    if (this.#paused) this.#maybeResume();
    if (--this.#inFlight === 0 && this.#drained.length > 0) {
      const waiters = this.#drained;
      this.#drained = [];
      for (const w of waiters) w();
    }
  }
}
