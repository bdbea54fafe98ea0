import * as http2 from 'node:http2';
import * as net from 'node:net';
import {
  Code, RpcError, endpointAddress,
  type ClientOptions, type Endpoint, type Invocation, type ProtocolClient,
} from '@meshlet/core';
import { Backoff, DeadlineQueue, connectTls, tlsReady } from '@meshlet/core/engine';
import { widenSessionWindow } from './session-window.js';
import { methodCodec } from './codec.js';
import { CONTENT_TYPE_PROTO, DEFAULT_MAX_MESSAGE_SIZE, H } from './constants.js';
import { ClientCall, type ClientCallOptions } from './client-call.js';
import { putAttachments } from './headers.js';
import { encodeTimeout } from './timeout.js';

export interface TripleClientOptions {
  /** Largest message sent or taken, bytes (default: `maxFrameSize`, else 8 MiB). */
  readonly maxMessageSize?: number;
  /** Compress request messages (`grpc-encoding: gzip`); answers come back as the provider chooses. */
  readonly compression?: 'gzip' | 'identity';
  /** Stream items a consumer holds unread before it stops reading (HTTP/2 flow control then holds the provider). Default 16. */
  readonly streamWindow?: number;
}

const DEFAULT_HEARTBEAT = 30_000;

/**
 * One HTTP/2 session per endpoint, every call a stream on it. A session that fails or closes is
 * replaced on the next call, after a backoff while connecting keeps failing (calls meanwhile fail
 * UNAVAILABLE at once, so the cluster picks another provider). A GOAWAY marks the client
 * unavailable until its session is gone: the provider is stopping. Keep-alive PINGs after
 * `heartbeatInterval` (30 s) find dead connections; no answer within `probeTimeout` destroys it.
 */
export class TripleProtocolClient implements ProtocolClient {
  private session: http2.ClientHttp2Session | undefined;
  private readonly calls = new Set<ClientCall>();
  private readonly backoff = new Backoff({ initial: 100, max: 5000 });
  private retryAt = 0;
  private goneAway = false;
  private closed = false;
  private pinger: NodeJS.Timeout | undefined;
  private readonly maxMessageSize: number;
  private readonly authority: string;
  /** The session held ref'd while calls are in flight (they hold the process up; an idle session does not). */
  private refd: http2.ClientHttp2Session | undefined;
  /** True once the TLS source (if any) has certificates; until then calls wait in `afterTlsLoaded`. */
  private tlsLoaded = false;
  private tlsWait: Promise<void> | undefined;
  /** Why the last connect failed, while backing off. */
  private connectError: string | undefined;
  /** Every call's options: one object, not one per call. */
  private readonly callOptions: ClientCallOptions;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ClientOptions = {},
    private readonly triple: TripleClientOptions = {},
  ) {
    this.maxMessageSize = triple.maxMessageSize ?? options.maxFrameSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    this.authority = `${this.useTls() ? 'https' : 'http'}://${host}:${endpoint.port}`;
    this.callOptions = {
      gzip: triple.compression === 'gzip',
      maxMessageSize: this.maxMessageSize,
      window: Math.max(1, triple.streamWindow ?? 16),
      onEnd: (c) => {
        this.calls.delete(c);
        if (this.calls.size === 0 && this.refd !== undefined) {
          this.refd.unref();
          this.refd = undefined;
        }
      },
      deadlines: new DeadlineQueue<ClientCall>((c) => c.expire()),
    };
  }

  get available(): boolean {
    return !this.closed && !this.goneAway && Date.now() >= this.retryAt;
  }

  /** Calls and streams in flight (the least-pending balancer reads it). */
  get pendingCount(): number {
    return this.calls.size;
  }

  private useTls(): boolean {
    const tls = this.options.tls;
    if (!tls) return false;
    const hint = this.endpoint.params['ssl-enabled'];
    if (tls.mode === 'strict') return true;
    if (tls.mode === 'permissive') return hint === 'true';
    return hint !== 'false';
  }

  invoke(inv: Invocation): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(Code.ConnectionClosed, `client for ${endpointAddress(this.endpoint)} is closed`));
    if (!this.tlsLoaded && this.options.tls?.source !== undefined && this.useTls()) return this.afterTlsLoaded(inv);
    const { method, service } = inv;
    let session: http2.ClientHttp2Session;
    let body: Buffer | AsyncIterable<unknown>;
    const clientStream = method.streaming === 'client' || method.streaming === 'bidi';
    try {
      session = this.connect();
      if (clientStream) {
        body = inv.args[0] as AsyncIterable<unknown>;
        if (typeof body?.[Symbol.asyncIterator] !== 'function') {
          throw new RpcError(Code.InvalidArgument, `${service.interface}.${method.name} is a ${method.streaming}-streaming method: pass an AsyncIterable of items`);
        }
      } else {
        body = methodCodec(method).encodeArgs(inv.args);
      }
    } catch (err) {
      return Promise.reject(RpcError.is(err) ? err : new RpcError(Code.Serialization, `cannot encode the arguments of ${service.interface}.${method.name}: ${(err as Error).message}`, { cause: err }));
    }
    if (Buffer.isBuffer(body) && body.length > this.maxMessageSize) {
      return Promise.reject(new RpcError(Code.FrameTooLarge, `request message of ${body.length} bytes is larger than the limit of ${this.maxMessageSize}`));
    }
    const remaining = inv.deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new RpcError(Code.Timeout, `deadline passed before ${service.interface}.${method.name} was sent`));
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/${service.interface}/${method.name}`,
      [H.contentType]: CONTENT_TYPE_PROTO,
      [H.te]: 'trailers',
      [H.acceptEncoding]: 'gzip,identity',
      [H.userAgent]: 'meshlet-triple/0.1.0',
    };
    if (Number.isFinite(remaining)) headers[H.timeout] = encodeTimeout(remaining);
    if (this.triple.compression === 'gzip') headers[H.encoding] = 'gzip';
    if (service.version !== undefined) headers[H.version] = service.version;
    if (service.group !== undefined) headers[H.group] = service.group;
    if (this.options.application) headers[H.consumerApp] = this.options.application;
    putAttachments(headers as Record<string, string>, inv.attachments);
    const call = new ClientCall(session, headers, body, inv, this.callOptions);
    this.calls.add(call);
    // The deadlines' one timer is unref'd: a call in flight keeps the process up through its session.
    if (this.refd !== session) {
      this.refd?.unref();
      session.ref();
      this.refd = session;
    }
    return call.start();
  }

  /**
   * A call made before the TLS source has its certificates (files read, SDS answered) waits for
   * them, up to its deadline, as the engine's channels do: dialing now would fail every call at
   * once, and a caller retrying in a loop would keep the source from ever loading.
   */
  private afterTlsLoaded(inv: Invocation): Promise<unknown> {
    this.tlsWait ??= tlsReady(this.options.tls!).then(() => {
      this.tlsLoaded = true;
    });
    const wait = this.tlsWait;
    return new Promise((resolve, reject) => {
      const remaining = inv.deadline - Date.now();
      const timer = Number.isFinite(remaining)
        ? setTimeout(() => reject(new RpcError(Code.Timeout, `TLS certificates for ${endpointAddress(this.endpoint)} not loaded within the deadline of ${inv.service.interface}.${inv.method.name}`)), Math.max(0, remaining))
        : undefined;
      wait.then(
        () => {
          clearTimeout(timer);
          resolve(this.invoke(inv));
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(RpcError.is(err) ? err : new RpcError(Code.Unavailable, `TLS certificates not loaded: ${(err as Error).message}`, { cause: err }));
        },
      );
    });
  }

  private connect(): http2.ClientHttp2Session {
    const live = this.session;
    if (live !== undefined && !live.closed && !live.destroyed) return live;
    if (Date.now() < this.retryAt) {
      throw new RpcError(Code.Unavailable, `${endpointAddress(this.endpoint)} is backing off after failed connects${this.connectError ? ` (the last: ${this.connectError})` : ''}`);
    }
    const tls = this.useTls() ? this.options.tls : undefined;
    const session = http2.connect(this.authority, {
      settings: { enablePush: false },
      maxSessionMemory: 64,
      // No Nagle: each call's frames go out at once instead of waiting for a delayed ACK.
      createConnection: () => {
        const socket = tls
          ? connectTls({ ...tls, ALPNProtocols: ['h2'] }, this.endpoint.host, this.endpoint.port)
          : net.connect({ host: this.endpoint.host, port: this.endpoint.port });
        socket.setNoDelay(true);
        return socket;
      },
    });
    this.session = session;
    this.goneAway = false;
    let connected = false;
    session.once('connect', () => {
      widenSessionWindow(session);
      connected = true;
      this.connectError = undefined;
      this.backoff.reset();
      this.startPings(session);
    });
    session.on('error', (err: Error) => {
      if (connected) return;
      this.retryAt = Date.now() + this.backoff.next();
      // Said again by calls refused while backing off: a failover retry's error is the one a
      // caller sees, and "backing off" alone hides why (a refused certificate, a wrong identity).
      this.connectError = err.message;
    });
    session.on('goaway', () => {
      if (this.session === session) this.goneAway = true;
    });
    session.once('close', () => {
      clearInterval(this.pinger);
      if (this.session === session) {
        this.session = undefined;
        this.goneAway = false;
      }
    });
    // Calls hold the process up; an idle session does not.
    session.unref();
    return session;
  }

  private startPings(session: http2.ClientHttp2Session): void {
    const every = this.options.heartbeatInterval ?? DEFAULT_HEARTBEAT;
    const probe = this.options.probeTimeout ?? 3000;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (session.closed || session.destroyed) return;
      const timer = setTimeout(() => session.destroy(new Error('keep-alive PING unanswered')), probe);
      timer.unref();
      session.ping((err) => {
        clearTimeout(timer);
        if (err) session.destroy();
      });
    }, every);
    this.pinger.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    const closed = new RpcError(Code.ConnectionClosed, `client for ${endpointAddress(this.endpoint)} closed`);
    for (const call of [...this.calls]) call.terminate(closed);
    const session = this.session;
    this.session = undefined;
    if (session && !session.destroyed) {
      await new Promise<void>((resolve) => {
        session.close(() => resolve());
        setTimeout(() => {
          session.destroy();
          resolve();
        }, 1000).unref();
      });
    }
  }
}
