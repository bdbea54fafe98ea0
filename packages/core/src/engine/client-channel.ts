import * as net from 'node:net';
import { Code, RpcError, toRpcError } from '../errors.js';
import { Backoff } from './backoff.js';
import { notReadyError, withDeadline } from './channel-wait.js';
import { Connection } from './connection.js';
import { DeadlineQueue } from './deadline-queue.js';
import { InboundKind, type ClientCodec } from '../codec.js';
import type { ChannelOptions } from './channel-options.js';
import { DEFAULT_MAX_FRAME_SIZE } from './options.js';
import { connectionChanged } from '../telemetry/metrics.js';
import { connectTls, tlsReady } from './tls.js';

export { InboundKind, type ClientCodec } from '../codec.js';
export type { ChannelOptions } from './channel-options.js';

type State = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

/**
 * A call sent and waiting for its response. Settling drops what it holds (its promise's resolvers,
 * and through them the resolved value, its context, its signal): a settled call stays in the
 * deadline queue until the queue's head passes it, a thousand of them at 128 in flight, and what
 * they kept alive survived every scavenge (see `settle`).
 */
class PendingCall<Id> {
  done = false;
  /** Its own timer, when its deadline could not join the channel's queue (see DeadlineQueue). */
  timer: NodeJS.Timeout | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly id: Id,
    public resolve: (value: unknown) => void,
    public reject: (error: RpcError) => void,
    public context: unknown,
    readonly deadline: number,
    /** The timeout it was sent with, for the error message. */
    readonly ms: number,
    public signal: AbortSignal | undefined,
  ) {}
}

const settledNoop = (): void => {};

/**
 * The resolvers of the promise `new Promise(capture)` just made. One executor shared by every
 * call, instead of a closure allocated per call: the constructor runs it synchronously, and
 * `send` takes the two out (and clears them) right after.
 */
let capturedResolve: (value: unknown) => void = settledNoop;
let capturedReject: (error: RpcError) => void = settledNoop;
function capture(resolve: (value: unknown) => void, reject: (error: RpcError) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * One multiplexed connection to one address, kept alive across failures: request-id correlation,
 * per-call deadlines, heartbeats and idle detection, reconnect with backoff and jitter, and every
 * pending call settled when the connection goes. Connects lazily on the first call, like grpc-js'
 * subchannel; during backoff calls fail fast with UNAVAILABLE so a cluster can try elsewhere.
 */
export class ClientChannel<Id, Context> {
  private state: State = 'idle';
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private readonly pending = new Map<Id, PendingCall<Id>>();
  /** One timer for the deadlines of the calls in flight (a timer per call cost every call). */
  private readonly deadlines = new DeadlineQueue<PendingCall<Id>>((call) => onTimeout(this, call.id, call.ms, call.deadline - call.ms));
  private readonly backoff: Backoff;
  private backoffTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastError: RpcError | undefined;
  private goneAway = false;
  /**
   * The peer answers nothing at all: a heartbeat probe went unanswered or a connect timed out (a
   * partition, a black-holed route). Reconnecting is then done in the background, after backoff,
   * and no call waits on it: calls fail fast with UNAVAILABLE (never sent, so a cluster tries
   * elsewhere) until a connection is up again. A refused connect is not silent: it answers.
   */
  private silent = false;
  private readonly heartbeatInterval: number;
  private readonly idleTimeout: number;
  private readonly probeTimeout: number;
  private readonly maxFrameSize: number;
  readonly address: string;

  constructor(
    private readonly codec: ClientCodec<Id, Context>,
    private readonly options: ChannelOptions,
  ) {
    this.backoff = new Backoff(options.backoff);
    this.heartbeatInterval = options.heartbeatInterval ?? 60_000;
    this.idleTimeout = options.idleTimeout ?? 3 * this.heartbeatInterval;
    this.probeTimeout = options.probeTimeout ?? 3000;
    this.address = `${options.host}:${options.port}`;
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Calls waiting for a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** False while backing off after a failure, while the peer is silent, after it sent GoAway, and once closed. */
  get available(): boolean {
    return this.state !== 'backoff' && this.state !== 'closed' && !this.goneAway && !this.silent;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /**
   * Sends a request frame and resolves with `codec.decodeResponse(responseFrame, context)`.
   * `deadline` is absolute (`Date.now()` ms).
   */
  call(id: Id, frame: Uint8Array, deadline: number, context: Context, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    // Refused here, not by the peer: a peer closes the connection on an over-limit frame, failing
    // every other call on it.
    if (frame.length > this.maxFrameSize) return Promise.reject(tooLarge(this.address, frame.length, this.maxFrameSize));
    const conn = this.state === 'ready' ? this.connection! : undefined;
    if (conn !== undefined && !conn.congested) return this.send(conn, id, frame, deadline, context, signal);
    return this.callSlow(id, frame, deadline, context, signal);
  }

  private async callSlow(id: Id, frame: Uint8Array, deadline: number, context: Context, signal?: AbortSignal): Promise<unknown> {
    const conn = await this.ready(deadline);
    await withDeadline(conn.drained(), deadline, (ms) => timeoutError(this.address, ms));
    if (conn.isClosed) throw this.lastError ?? closedError(this.address);
    return this.send(conn, id, frame, deadline, context, signal);
  }

  private send(conn: Connection, id: Id, frame: Uint8Array, deadline: number, context: Context, signal?: AbortSignal): Promise<unknown> {
    const ms = deadline - Date.now();
    if (ms <= 0) return Promise.reject(timeoutError(this.address, 0));
    const promise = new Promise(capture);
    const call = new PendingCall<Id>(id, capturedResolve, capturedReject, context, deadline, ms, signal);
    capturedResolve = capturedReject = settledNoop;
    if (!this.deadlines.add(call)) call.timer = setTimeout(onTimeout, ms, this, id, ms, deadline - ms);
    if (signal) {
      call.onAbort = () => this.fail(id, cancelled(signal));
      signal.addEventListener('abort', call.onAbort, { once: true });
    }
    this.pending.set(id, call);
    conn.write(frame);
    return promise;
  }

  /** Sends a frame that expects no response (oneway). Resolves once it is queued on a live connection. */
  async sendOneway(frame: Uint8Array, deadline: number): Promise<void> {
    if (frame.length > this.maxFrameSize) throw tooLarge(this.address, frame.length, this.maxFrameSize);
    const conn = this.state === 'ready' ? this.connection! : await this.ready(deadline);
    conn.write(frame);
  }

  /** Ends a pending call with an error (timeout, abort). */
  fail(id: Id, error: RpcError): void {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    const reject = call.reject;
    this.settle(call);
    reject(error);
  }

  private ready(deadline: number): Promise<Connection> {
    switch (this.state) {
      case 'ready':
        return Promise.resolve(this.connection!);
      case 'connecting':
        if (this.silent) return Promise.reject(notReadyError(this.address, 'silent', this.lastError));
        return withDeadline(this.connecting!, deadline, (ms) => timeoutError(this.address, ms));
      case 'backoff':
        return Promise.reject(notReadyError(this.address, 'backoff', this.lastError));
      case 'closed':
        return Promise.reject(new RpcError(Code.Shutdown, `client for ${this.address} is closed`));
      case 'idle':
        this.connecting = this.connect();
        this.connecting.catch(() => {}); // observed by the callers below
        return withDeadline(this.connecting, deadline, (ms) => timeoutError(this.address, ms));
    }
  }

  private connect(): Promise<Connection> {
    this.state = 'connecting';
    const { host, port, tls } = this.options;
    const timeout = this.options.connectTimeout ?? 3000;
    return new Promise<Connection>((resolve, reject) => {
      let socket: net.Socket | undefined;
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        const err = new Error(`connect timed out after ${timeout} ms`);
        if (socket) socket.destroy(err);
        else onError(err);
      }, timeout);
      const onError = (err: Error) => {
        if (settled) return; // a timeout while the certificates loaded, then their failure
        settled = true;
        clearTimeout(timer);
        if (timedOut) this.silent = true;
        socket?.destroy();
        this.connecting = undefined;
        if (this.state === 'closed') {
          reject(new RpcError(Code.Shutdown, `client for ${this.address} is closed`));
          return;
        }
        this.lastError = new RpcError(Code.Unavailable, `cannot connect to ${this.address}: ${err.message}`, { cause: err });
        this.enterBackoff();
        reject(this.lastError);
      };
      const onReady = (s: net.Socket) => {
        settled = true;
        clearTimeout(timer);
        s.off('error', onError);
        this.connecting = undefined;
        if (this.state === 'closed') {
          s.destroy();
          reject(new RpcError(Code.Shutdown, `client for ${this.address} is closed`));
          return;
        }
        const conn = new Connection(s, this.codec.splitter, this.maxFrameSize, {
          frameTimeout: this.options.frameTimeout,
          writeHighWater: this.options.writeHighWater,
        });
        conn.start({ onFrame: (frame) => this.onFrame(conn, frame), onClose: (error) => this.onClose(conn, error) });
        this.connection = conn;
        connectionChanged('client', 1);
        this.state = 'ready';
        this.goneAway = false;
        this.silent = false;
        this.backoff.reset();
        this.startHeartbeat(conn);
        resolve(conn);
      };
      const dial = () => {
        if (timedOut) return;
        const s = tls ? connectTls(tls, host, port) : net.connect({ host, port });
        socket = s;
        s.once('error', onError);
        s.once(tls ? 'secureConnect' : 'connect', () => onReady(s));
      };
      // Certificates from a source may still be loading (the first SDS answer): the connect timeout covers the wait.
      if (tls?.source) tlsReady(tls).then(dial, onError);
      else dial();
    });
  }

  private enterBackoff(delay = this.backoff.next()): void {
    this.state = 'backoff';
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.state !== 'backoff') return;
      if (this.silent) {
        // Nobody calls an unavailable address to reconnect it: try again from here.
        this.connecting = this.connect();
        this.connecting.catch(() => {});
      } else {
        this.state = 'idle';
      }
    }, delay);
    this.backoffTimer.unref();
  }

  private onFrame(conn: Connection, frame: Buffer): void {
    switch (this.codec.classify(frame)) {
      case InboundKind.Response: {
        const id = this.codec.inboundId;
        const call = this.pending.get(id);
        if (call === undefined) return; // timed out or cancelled already
        this.pending.delete(id);
        const { resolve, reject, context } = call;
        this.settle(call);
        let value: unknown;
        try {
          value = this.codec.decodeResponse(frame, context as Context);
        } catch (err) {
          reject(toRpcError(err, Code.BadResponse));
          return;
        }
        resolve(value);
        return;
      }
      case InboundKind.HeartbeatRequest: {
        const reply = this.codec.encodeHeartbeatReply(frame);
        if (reply) conn.write(reply);
        return;
      }
      case InboundKind.GoAway:
        this.goneAway = true;
        return;
      case InboundKind.HeartbeatResponse:
      case InboundKind.Ignore:
        return;
    }
  }

  private onClose(conn: Connection, error: RpcError): void {
    connectionChanged('client', -1);
    if (this.connection !== conn) return;
    this.connection = undefined;
    this.stopHeartbeat();
    this.lastError = error;
    // A GoAway concerned the connection that sent it: once it is gone, the address may take calls
    // again (a provider restarted on the same address serves again; one still down refuses, and
    // the refusal backs off and ejects the address). Not at once: a provider that said GoAway and
    // then closed is stopping, and Java's Dubbo 3.3.6 closes its connections before its listener,
    // so a connection opened in between is accepted, then reset with the calls just written on it
    // (48-90 of 128 in flight lost per stop in test/fleet, where Java's own consumer, reconnecting
    // on a timer, lost none). So the address sits out the hold-off first, unavailable: the
    // balancer picks others, and a call that lands here anyway fails fast, unsent.
    const wentAway = this.goneAway;
    this.goneAway = false;
    if (this.state === 'ready') {
      // A connection that dropped after working is retried on the next call; one that keeps
      // failing goes through backoff in connect(); one whose peer went silent, in the background.
      if (wentAway) this.enterBackoff(Math.max(this.options.goAwayHoldOff ?? 2000, 0));
      else if (this.silent) this.enterBackoff();
      else this.state = 'idle';
    }
    this.failAll(error);
  }

  /** `all`: every call is being settled and the queue cleared, so none is counted out of it one by one. */
  private settle(call: PendingCall<Id>, all = false): void {
    call.done = true;
    if (call.timer !== undefined) clearTimeout(call.timer);
    else if (!all) this.deadlines.settled();
    if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
    // Still queued (the deadline queue skips settled calls only once they reach its head), it must
    // keep nothing alive: at 128 in flight, the values resolved through these kept ~2 MB a
    // scavenge surviving into old space (Dubbo echo 1 KiB).
    call.resolve = call.reject = settledNoop;
    call.context = undefined;
    call.signal = undefined;
    call.onAbort = undefined;
  }

  private failAll(error: RpcError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    this.deadlines.clear();
    for (const call of calls) {
      const reject = call.reject;
      this.settle(call, true);
      reject(error);
    }
  }

  private startHeartbeat(conn: Connection): void {
    const period = Math.max(50, Math.min(this.heartbeatInterval, this.idleTimeout / 3));
    this.heartbeatTimer = setInterval(() => {
      const silent = Date.now() - conn.lastReadAt;
      if (silent >= this.idleTimeout) {
        conn.destroy(new RpcError(Code.ConnectionClosed, `${this.address} silent for ${silent} ms (idle timeout ${this.idleTimeout} ms)`));
      } else if (silent >= this.heartbeatInterval) {
        conn.write(this.codec.encodeHeartbeat(this.codec.nextId()));
      }
    }, period);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  /**
   * A call sent at `sentAt` (`Date.now()` then) timed out. If not one byte came back on its
   * connection since, the peer may be gone without a word (a partition, a black-holed route: no FIN, no RST),
   * which TCP reports only after minutes of retransmits and the idle timeout after three minutes
   * of silence, while every call sent there meanwhile times out too (measured: a black-holed
   * provider picked now and then for 50 s). So ask with a heartbeat, which a live peer answers
   * from its I/O loop however slow its methods are; silence for `probeTimeout` more closes the
   * connection: the address is ejected and the idempotent calls pending on it fail over now.
   * @internal
   */
  timedOut(sentAt: number): void {
    const conn = this.connection;
    if (conn === undefined || this.state !== 'ready' || this.probeTimer !== undefined) return;
    // The send time itself, not `Date.now() - ms`: a call's own timer (one whose deadline came
    // before a queued one's) can fire before Date.now() reaches its deadline (timers count from
    // the loop's cached time), and a reply read just before the call was sent then looked like
    // one read since: no probe (client-channel.test failed so 1 in 4 on a loaded machine).
    if (conn.lastReadAt > sentAt) return;
    const asked = Date.now();
    conn.write(this.codec.encodeHeartbeat(this.codec.nextId()));
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.connection !== conn || conn.lastReadAt >= asked) return;
      this.silent = true;
      conn.destroy(new RpcError(Code.ConnectionClosed,
        `${this.address} sent nothing for ${Date.now() - sentAt} ms, not even a heartbeat reply: connection presumed dead`));
    }, this.probeTimeout);
    this.probeTimer.unref();
  }

  /** Settles every pending call with CONNECTION_CLOSED and closes the connection. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.stopHeartbeat();
    const conn = this.connection;
    this.connection = undefined;
    // Most clients closed are idle (endpoints a directory dropped): no error, and no stack, to make then.
    if (this.pending.size > 0) this.failAll(new RpcError(Code.ConnectionClosed, `client for ${this.address} closed`));
    else this.deadlines.clear();
    conn?.close();
  }
}

function onTimeout<Id, Context>(channel: ClientChannel<Id, Context>, id: Id, ms: number, sentAt: number): void {
  channel.fail(id, timeoutError(channel.address, ms));
  channel.timedOut(sentAt);
}


function timeoutError(address: string, ms: number): RpcError {
  return new RpcError(Code.Timeout, `call to ${address} timed out after ${ms} ms`);
}

function tooLarge(address: string, length: number, limit: number): RpcError {
  return new RpcError(Code.FrameTooLarge, `request to ${address} of ${length} bytes exceeds the frame limit of ${limit}; not sent`);
}

function closedError(address: string): RpcError {
  return new RpcError(Code.ConnectionClosed, `connection to ${address} closed`);
}

function cancelled(signal: AbortSignal): RpcError {
  return new RpcError(Code.Cancelled, 'call cancelled by the caller', { cause: signal.reason });
}
