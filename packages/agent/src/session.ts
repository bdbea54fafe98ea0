import { Code, toRpcError, type Connection } from '@meshlet/core';
import { RelayRequest, type Direction, type RelayCodec } from './relay/index.js';
import type { Counter } from './stats.js';

/** Sends a relayed request on and resolves with the reply frame (undefined for oneway calls). */
export type Router = (req: RelayRequest) => Promise<unknown>;

/**
 * One accepted connection of one protocol: answers heartbeats, reads each request's routing
 * header, hands it to the router, and writes the reply with the caller's request id — or the
 * protocol's error reply naming what went wrong. Counts the requests it is still answering, for
 * a graceful stop.
 */
export class RelaySession {
  #inFlight = 0;
  #drained: (() => void)[] = [];

  constructor(
    readonly connection: Connection,
    private readonly codec: RelayCodec,
    private readonly direction: Direction,
    private readonly route: Router,
    private readonly counter: Counter,
    private readonly defaultTimeout: number,
  ) {}

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  idle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((r) => this.#drained.push(r));
  }

  onFrame(frame: Buffer): void {
    const codec = this.codec;
    const kind = codec.kind(frame);
    if (kind === 'heartbeat') {
      this.counter.heartbeats++;
      const reply = codec.heartbeatReply(frame);
      if (reply) this.connection.write(reply);
      return;
    }
    if (kind !== 'request') return;
    this.counter.requests++;
    const [high, low] = codec.idOf(frame);
    const copy = Buffer.from(frame); // the frame is a view into the socket's chunk, valid only now
    let req: RelayRequest;
    try {
      const info = codec.inspect(frame);
      req = new RelayRequest(codec, copy, info, this.direction, Date.now() + (info.timeoutMs ?? this.defaultTimeout));
    } catch (err) {
      this.counter.rejected++;
      // A oneway request cannot be answered; a two-way one gets the protocol's refusal.
      if (!codec.oneway(copy)) this.connection.write(codec.errorReply(copy, high, low, toRpcError(err, Code.BadRequest)));
      return;
    }
    this.#inFlight++;
    this.counter.inFlight++;
    this.route(req).then(
      (reply) => {
        if (!req.info.oneway && reply instanceof Buffer) {
          this.counter.responses++;
          this.connection.write(codec.restoreId(reply, high, low));
        }
        this.#done();
      },
      (err: unknown) => {
        if (!req.info.oneway) {
          this.counter.errors++;
          this.connection.write(codec.errorReply(copy, high, low, toRpcError(err, Code.Internal)));
        }
        this.#done();
      },
    );
  }

  #done(): void {
    this.counter.inFlight--;
    if (--this.#inFlight === 0 && this.#drained.length > 0) {
      const waiters = this.#drained;
      this.#drained = [];
      for (const w of waiters) w();
    }
  }
}

