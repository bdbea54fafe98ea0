import * as http2 from 'node:http2';
import * as net from 'node:net';
import {
  Code, RpcError, toRpcError,
  type ClientOptions, type Endpoint, type Invocation, type Protocol, type ProtocolClient, type RelayCall, type ServiceKey,
} from '@meshlet/core';
import { connectTls } from '@meshlet/core/engine';
import { CONTENT_TYPE, DEFAULT_PORT, H, PROTOCOL } from './constants.js';
import { encodeGrpcMessage, statusForCode } from './status.js';
import { encodeTimeout, parseTimeout } from './timeout.js';
import { fromTripleUrl, toTripleUrl } from './url.js';

// Triple through a proxy (Meshlet's agent). Frame relays (core relay.ts) split a byte stream into
// frames with ids; Triple's calls are HTTP/2 streams, so its relay is stream-shaped: the proxy
// takes h2c/h2 connections (`TripleRelayServer`), reads each stream's route from its headers
// (`:path` /{interface}/{method}, `tri-service-version`, `tri-service-group`), and a
// `TripleRelayClient` of the runtime's choosing opens the same stream upstream and pipes both
// directions: request and response messages unchanged, response headers and trailers (status,
// details) as the provider sent them, resets either way. `pipe` holds at most one high-water mark
// per direction: a reader that does not read stops the writer through HTTP/2's windows, so the
// proxy buffers nothing without bound.

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** An HTTP/2 connection with prior knowledge starts with this (RFC 9113 §3.4): "PRI * HTTP/2.0". */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Headers that are the connection's or the hop's, never relayed as they are. */
const HOP_HEADERS: ReadonlySet<string> = new Set([':path', ':method', ':scheme', ':authority', ':status', 'connection', 'keep-alive', 'host', 'transfer-encoding', 'upgrade', 'proxy-connection', H.timeout]);

/** One Triple call in transit: the caller's stream and what its headers say. */
export class TripleRelayCall {
  /** Set once the upstream stream is open: the caller's bytes are being consumed, so no retry. */
  sent = false;

  constructor(
    readonly stream: http2.ServerHttp2Stream,
    readonly headers: http2.IncomingHttpHeaders,
    readonly service: ServiceKey,
    readonly method: string,
    /** Absolute, `Date.now()` ms: the caller's `grpc-timeout`, else the proxy's default. */
    readonly deadline: number,
  ) {}

  /** For `Invocation.relay`, whose type is the frame relays' (the runtime only carries it). */
  asRelay(): RelayCall {
    return this as unknown as RelayCall;
  }
}

/** The route a stream's headers name, or why it has none. */
export function tripleRoute(headers: http2.IncomingHttpHeaders): { service: ServiceKey; method: string } | RpcError {
  // Read as a Triple provider reads it (server-call.ts): up to the last slash, nothing decoded.
  const path = headers[':path'];
  const slash = typeof path === 'string' ? path.lastIndexOf('/') : -1;
  const iface = slash > 0 ? path!.slice(1, slash) : '';
  const method = slash > 0 ? path!.slice(slash + 1) : '';
  if (iface === '' || method === '' || path![0] !== '/') return new RpcError(Code.MethodNotFound, `no /{service}/{method} in :path ${JSON.stringify(path)}`);
  const version = headerText(headers[H.version]);
  const group = headerText(headers[H.group]);
  return { service: { interface: iface, version, group }, method };
}

function headerText(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** Answers a stream that has sent nothing yet with a gRPC status alone (a trailers-only response). */
export function failTripleStream(stream: http2.ServerHttp2Stream, err: RpcError, prefix = 'meshlet agent: '): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close(NGHTTP2_CANCEL);
    return;
  }
  try {
    stream.respond({
      ':status': 200, 'content-type': CONTENT_TYPE,
      [H.status]: String(statusForCode(err.code)), [H.message]: encodeGrpcMessage(`${prefix}${err.message}`),
    }, { endStream: true });
  } catch {
    stream.close(NGHTTP2_CANCEL);
  }
}

export interface TripleRelayServerOptions {
  /** A call without `grpc-timeout` gets this long, ms. */
  readonly defaultTimeout: number;
  readonly maxConcurrentStreams?: number;
  /** A connection silent for this long is closed the graceful way (GOAWAY), ms. */
  readonly idleTimeout?: number;
}

/**
 * The proxy's side facing callers: takes sockets whose first bytes are the HTTP/2 preface (the
 * proxy's own listener sniffs them; over TLS, sockets that negotiated ALPN `h2`), and hands each
 * stream to `route` as a `TripleRelayCall`. A stream without a route, or whose route fails before
 * anything went upstream, gets a trailers-only status. Counts streams in flight, for a graceful stop.
 */
export class TripleRelayServer {
  readonly #h2: http2.Http2Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #inFlight = 0;
  #begun = 0;
  #drained: (() => void)[] = [];
  #closing = false;

  constructor(private readonly route: (call: TripleRelayCall) => Promise<unknown>, private readonly options: TripleRelayServerOptions) {
    this.#h2 = http2.createServer({ settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? 4096 } });
    this.#h2.on('session', (session: http2.ServerHttp2Session) => {
      session.on('error', () => {});
      if (this.#closing) {
        session.close();
        return;
      }
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      session.setTimeout(options.idleTimeout ?? 180_000, () => session.close());
    });
    this.#h2.on('sessionError', () => {});
    this.#h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => this.#onStream(stream, headers));
  }

  /** Takes a socket that is paused with the preface still unread (node:http2 reads buffered bytes itself). */
  accept(socket: net.Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    this.#h2.emit('connection', socket);
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Streams taken so far. */
  get begun(): number {
    return this.#begun;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  idle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((r) => this.#drained.push(r));
  }

  /** GOAWAY on every connection: callers open no new streams here; those in flight run on. */
  goAway(): void {
    this.#closing = true;
    for (const s of this.#sessions) s.close();
  }

  /** Destroys what is left (after the listener's drain). */
  destroy(): void {
    this.#closing = true;
    for (const s of this.#sessions) s.destroy();
    this.#sessions.clear();
  }

  #onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => {});
    if (this.#closing) {
      stream.close(NGHTTP2_REFUSED_STREAM);
      return;
    }
    const route = tripleRoute(headers);
    if (route instanceof RpcError) {
      failTripleStream(stream, route);
      return;
    }
    const timeout = parseTimeout(headerText(headers[H.timeout])) ?? this.options.defaultTimeout;
    const call = new TripleRelayCall(stream, headers, route.service, route.method, Date.now() + timeout);
    this.#begun++;
    this.#inFlight++;
    stream.once('close', () => this.#done());
    this.route(call).catch((err: unknown) => {
      // Nothing went upstream, or the relay failed before the caller heard anything.
      if (!stream.headersSent) failTripleStream(stream, toRpcError(err, Code.Internal));
    });
  }

  #done(): void {
    if (--this.#inFlight === 0 && this.#drained.length > 0) {
      const waiters = this.#drained;
      this.#drained = [];
      for (const w of waiters) w();
    }
  }
}

/**
 * The proxy's side facing one upstream (a provider, or another agent's ingress): one HTTP/2
 * session, reopened after it ends; each relay invocation opens one stream on it and settles when
 * the caller's stream closes — resolved when the call ran to its trailers, rejected (for the
 * runtime's breakers and balancer) when the upstream could not be reached (UNAVAILABLE: nothing was
 * consumed, the cluster may try another), reset the stream, or the deadline passed.
 */
export class TripleRelayClient implements ProtocolClient {
  #session: http2.ClientHttp2Session | undefined;
  #connecting: Promise<http2.ClientHttp2Session> | undefined;
  #closed = false;
  #goneAway = false;

  constructor(readonly endpoint: Endpoint, private readonly options: ClientOptions = {}) {}

  get available(): boolean {
    return !this.#closed && !this.#goneAway;
  }

  invoke(inv: Invocation): Promise<unknown> {
    const call = inv.relay as unknown;
    if (!(call instanceof TripleRelayCall)) {
      return Promise.reject(new RpcError(Code.Internal, 'tri relay client called without a relayed stream'));
    }
    if (this.#closed) return Promise.reject(new RpcError(Code.Unavailable, 'tri relay client closed'));
    const session = this.#session;
    if (session !== undefined && !session.closed && !session.destroyed) return this.#relay(session, call, inv);
    return this.#connect().then((s) => this.#relay(s, call, inv));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#session;
    this.#session = undefined;
    if (s === undefined || s.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => s.destroy(), 1000);
      s.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #connect(): Promise<http2.ClientHttp2Session> {
    this.#connecting ??= new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const { host, port } = this.endpoint;
      const tls = this.#useTls() ? this.options.tls : undefined;
      const session = http2.connect(`${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`, {
        createConnection: () => (tls ? connectTls({ ...tls, ALPNProtocols: ['h2'] }, host, port) : net.connect({ host, port, noDelay: true })),
      });
      const timer = setTimeout(() => fail(new Error(`no connection within ${this.options.connectTimeout ?? 3000} ms`)), this.options.connectTimeout ?? 3000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        session.destroy();
        reject(new RpcError(Code.Unavailable, `tri upstream ${host}:${port} unreachable: ${err.message}`, { cause: err }));
      };
      session.once('error', fail);
      session.once('connect', () => {
        clearTimeout(timer);
        session.off('error', fail);
        session.on('error', () => {});
        this.#goneAway = false;
        this.#session = session;
        resolve(session);
      });
      // GOAWAY: no new streams here (the ones in flight finish); the next call opens a new session.
      session.once('goaway', () => {
        if (this.#session === session) this.#session = undefined;
      });
      session.once('close', () => {
        if (this.#session === session) this.#session = undefined;
      });
    }).finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  #useTls(): boolean {
    const tls = this.options.tls;
    if (!tls) return false;
    const hint = this.endpoint.params['ssl-enabled'] ?? this.endpoint.params.tls;
    if (tls.mode === 'strict') return true;
    if (tls.mode === 'permissive') return hint === 'true';
    return hint !== 'false';
  }

  #relay(session: http2.ClientHttp2Session, call: TripleRelayCall, inv: Invocation): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const caller = call.stream;
      if (caller.destroyed || caller.closed) {
        reject(new RpcError(Code.Cancelled, 'the caller went away'));
        return;
      }
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        reject(new RpcError(Code.Timeout, 'deadline passed before the call went upstream'));
        return;
      }
      let up: http2.ClientHttp2Stream;
      try {
        up = session.request(upstreamHeaders(call.headers, inv.attachments, remaining, this.endpoint), { endStream: false });
      } catch (err) {
        reject(new RpcError(Code.Unavailable, `tri upstream refused a stream: ${(err as Error).message}`, { cause: err }));
        return;
      }
      call.sent = true;
      up.on('error', () => {});
      let failure: RpcError | undefined;
      let trailers: http2.OutgoingHttpHeaders | undefined;
      let withTrailers = false;
      const sendTrailers = (t: http2.OutgoingHttpHeaders) => {
        trailers = t;
        up.unpipe(caller);
        if (!caller.writableEnded) caller.end();
      };
      // The proxy's own deadline: a provider that never answers does not hold the caller.
      const timer = setTimeout(() => {
        failure = new RpcError(Code.Timeout, `no answer from ${this.endpoint.host}:${this.endpoint.port} within the deadline`);
        const status = { [H.status]: String(statusForCode(Code.Timeout)), [H.message]: encodeGrpcMessage(`meshlet agent: ${failure.message}`) };
        if (!caller.headersSent) failTripleStream(caller, failure);
        else if (withTrailers) sendTrailers(status);
        else caller.close(NGHTTP2_CANCEL);
        up.close(NGHTTP2_CANCEL);
      }, remaining);

      caller.on('wantTrailers', () => caller.sendTrailers(trailers ?? {
        [H.status]: String(statusForCode(Code.Internal)), [H.message]: encodeGrpcMessage('meshlet agent: the upstream sent no trailers'),
      }));
      caller.pipe(up);
      up.on('response', (headers, flags) => {
        if (caller.destroyed || caller.closed) return;
        const out = relayedHeaders(headers);
        out[':status'] = headers[':status'] ?? 200;
        if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0) {
          caller.respond(out, { endStream: true }); // trailers-only: the status is in these headers
          return;
        }
        withTrailers = true;
        caller.respond(out, { waitForTrailers: true });
        up.pipe(caller, { end: false });
      });
      up.on('trailers', (t) => (trailers = relayedHeaders(t)));
      up.on('end', () => {
        if (withTrailers && !caller.writableEnded) sendTrailers(trailers ?? {});
      });
      up.on('close', () => {
        const code = up.rstCode;
        if (code === undefined || code === NGHTTP2_NO_ERROR || caller.closed || caller.destroyed) return;
        // The upstream reset the stream (or its connection went): the caller hears the same reset.
        failure ??= new RpcError(code === NGHTTP2_CANCEL ? Code.Cancelled : Code.ConnectionClosed, `tri upstream reset the stream (code ${code})`);
        caller.close(code);
      });
      caller.once('close', () => {
        clearTimeout(timer);
        caller.unpipe(up);
        const cancelled = caller.rstCode !== undefined && caller.rstCode !== NGHTTP2_NO_ERROR;
        if (!up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
        if (failure) reject(failure);
        else if (cancelled && !up.writableEnded) reject(new RpcError(Code.Cancelled, 'the caller cancelled'));
        else resolve(undefined);
      });
    });
  }
}

/** The caller's headers for the upstream: the same route and metadata, the deadline left, the runtime's own attachments (trace context). */
function upstreamHeaders(headers: http2.IncomingHttpHeaders, attachments: Readonly<Record<string, string>>, remainingMs: number, to: Endpoint): http2.OutgoingHttpHeaders {
  const out = relayedHeaders(headers);
  out[':method'] = 'POST';
  out[':path'] = headers[':path'];
  out[':authority'] = `${to.host}:${to.port}`;
  out[H.timeout] = encodeTimeout(remainingMs);
  for (const k in attachments) out[k.toLowerCase()] = attachments[k];
  return out;
}

/** Every header but the hop's own (pseudo-headers, connection headers, `grpc-timeout`). */
function relayedHeaders(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const k in headers) {
    if (HOP_HEADERS.has(k)) continue;
    const v = headers[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A core `Protocol` named `tri` whose clients relay streams: the agent's runtimes use it as they use the frame relays. */
export function tripleRelayProtocol(): Protocol {
  return {
    name: PROTOCOL,
    defaultPort: DEFAULT_PORT,
    createClient: (endpoint: Endpoint, options?: ClientOptions) => new TripleRelayClient(endpoint, options),
    createServer: () => {
      throw new RpcError(Code.Unsupported, 'relay protocols do not serve: the agent listens itself');
    },
    toUrl: toTripleUrl,
    fromUrl: fromTripleUrl,
  };
}
