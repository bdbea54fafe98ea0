import { Code, RpcError } from '@meshlet/core';
import type * as GrpcJs from '@grpc/grpc-js';
import { checkResponse, NACOS_CODES, NacosGrpcError } from './errors.js';
import { decodePayload, encodePayload, jsonPayload, MAX_PAYLOAD, payloadJson, type Payload } from './payload.js';

/** Nacos 2.x servers listen for gRPC clients at their HTTP port + 1000. */
export const GRPC_OFFSET = 1000;
const GRPC_RANGE = '^1.14.7';

type Grpc = typeof GrpcJs;
let loading: Promise<Grpc> | undefined;

/** @grpc/grpc-js, loaded on the first gRPC connection; without it, an error with the install line. */
export function loadGrpc(): Promise<Grpc> {
  loading ??= import('@grpc/grpc-js').catch((err: unknown) => {
    loading = undefined;
    const e = err as { code?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
      throw new RpcError(Code.InvalidArgument, `nacos api=grpc needs the optional package @grpc/grpc-js: npm install @grpc/grpc-js@${GRPC_RANGE}`, { cause: err });
    }
    throw err;
  });
  return loading;
}

export interface ConnectionOptions {
  /** `host:port` of each server's HTTP API; gRPC is dialed at port + 1000. */
  readonly servers: readonly string[];
  readonly timeoutMs: number;
  /** HealthCheckRequest period; a failed check drops the connection (nacos-client: 5 s). */
  readonly keepAliveMs: number;
  /** ConnectionSetupRequest's tenant and labels. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Headers every request carries (the access token). */
  readonly headers: () => Promise<Record<string, string>>;
  /** A request the server sends over the stream (NotifySubscriberRequest): returns the response's body. */
  readonly onServerRequest: (type: string, body: Record<string, unknown>) => Record<string, unknown> | undefined;
  /** Each time a connection is set up: register and subscribe again (nacos-client's redo). */
  readonly onConnected: () => Promise<void>;
}

interface Live {
  readonly client: GrpcJs.Client;
  readonly stream: GrpcJs.ClientDuplexStream<Payload, Payload>;
  readonly id: string;
  readonly server: string;
  lost: boolean;
}

/**
 * One long connection to a Nacos 2.x server, as nacos-client's GrpcClient keeps it: a
 * ServerCheckRequest gives the connection id, the bi-stream carries a ConnectionSetupRequest and
 * then the server's requests (pushes), unary `Request/request` calls on the same HTTP/2 connection
 * carry ours, HealthCheckRequest keeps it alive. Lost (stream ended, check failed, server said
 * reset or "unregistered") → the next server in turn, backing off, and `onConnected` once up again.
 */
export class NacosGrpcConnection {
  readonly #o: ConnectionOptions;
  #live: Live | undefined;
  #next = 0;
  #closed = false;
  #running = false;
  #waiters = new Set<() => void>();
  #keepAlive: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  /** Set up at least once: a later setup is a recovery. */
  #everUp = false;
  /** How many connections were set up: what one server says is compared only with what it said before. */
  generation = 0;
  /** When a connection was set up again after one was lost; 0 = never. */
  recoveredAt = 0;
  /** The last reason a connection attempt failed, for messages. */
  lastError: unknown;

  constructor(options: ConnectionOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#live !== undefined;
  }

  get connectionId(): string | undefined {
    return this.#live?.id;
  }

  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    void this.#loop();
  }

  /**
   * One request/response over `Request/request`, waiting up to `timeoutMs` for a connection. A
   * request the connection failed under (reset, or the server says it is not registered) is sent
   * again on the next connection within the same bound, as nacos-client's RpcClient retries: every
   * naming request is idempotent. A server's refusal is not retried.
   */
  async request(type: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#closed) throw new RpcError(Code.Shutdown, 'nacos grpc connection closed');
    this.start();
    const deadline = Date.now() + this.#o.timeoutMs;
    // First: a refused login is PERMISSION_DENIED at once, not a wait for a connection.
    const headers = await this.#o.headers();
    const payload = jsonPayload(type, { ...body, headers: {}, module: 'naming' }, headers);
    for (;;) {
      const live = await this.#ready(deadline);
      try {
        const answer = await this.#unary(live, payload, deadline);
        try {
          return checkResponse(type, payloadJson(answer));
        } catch (err) {
          if (err instanceof NacosGrpcError && err.errorCode === NACOS_CODES.UN_REGISTER) this.#lose(live, err);
          throw err;
        }
      } catch (err) {
        const lost = err instanceof RpcError && err.code === Code.Unavailable;
        if (!lost || this.#closed || Date.now() >= deadline) throw err;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#live) this.#lose(this.#live, new RpcError(Code.Shutdown, 'closed'));
    this.#wake?.();
    for (const w of this.#waiters) w();
  }

  #ready(deadline: number): Promise<Live> {
    if (this.#live) return Promise.resolve(this.#live);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (this.#live) resolve(this.#live);
        else if (this.#closed) reject(new RpcError(Code.Shutdown, 'nacos grpc connection closed'));
        else reject(this.#unreachable());
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.#waiters.add(done);
    });
  }

  #unreachable(): RpcError {
    if (this.lastError instanceof RpcError && this.lastError.code === Code.InvalidArgument) return this.lastError;
    const why = this.lastError instanceof Error ? this.lastError.message : String(this.lastError ?? 'connecting');
    return new RpcError(Code.Unavailable, `nacos grpc: no server connected (${why})`);
  }

  async #loop(): Promise<void> {
    const grpc = await loadGrpc().catch((err: unknown) => {
      this.lastError = err;
      return undefined;
    });
    if (!grpc) {
      // Not installed: every waiting request rejects with the install line (start() tries again).
      this.#running = false;
      for (const w of [...this.#waiters]) w();
      return;
    }
    let backoff = 100;
    while (!this.#closed) {
      const server = this.#o.servers[this.#next % this.#o.servers.length] as string;
      let live: Live | undefined;
      try {
        live = await this.#connect(grpc, server);
      } catch (err) {
        this.lastError = err;
      }
      if (this.#closed) {
        if (live) this.#lose(live, undefined);
        return;
      }
      if (!live || live.lost) {
        this.#next++;
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, 3000);
        continue;
      }
      backoff = 100;
      if (this.#everUp) this.recoveredAt = Date.now();
      this.#everUp = true;
      this.generation++;
      this.#live = live;
      this.#startKeepAlive(live);
      for (const w of [...this.#waiters]) w();
      // Redo: a failed re-register is retried at the next connection or by the registry's calls.
      await this.#o.onConnected().catch(() => {});
      // Until it is lost.
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (this.#live !== live) resolve();
      });
      this.#wake = undefined;
      this.#next++;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async #connect(grpc: Grpc, server: string): Promise<Live> {
    const m = /^(.*):(\d+)$/.exec(server);
    const target = `${m?.[1]}:${Number(m?.[2]) + GRPC_OFFSET}`;
    const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_PAYLOAD,
      'grpc.max_send_message_length': MAX_PAYLOAD,
      'grpc.enable_retries': 0,
      // Nacos knows a client by its HTTP/2 connection: grpc-js' shared subchannel pool would put two
      // registries (or a reconnect and the connection it replaces) on one, and the server would end
      // one stream for the other's.
      'grpc.use_local_subchannel_pool': 1,
      // A new HTTP/2 connection would be a new Nacos connection without our instances: we reconnect ourselves.
      'grpc.max_reconnect_backoff_ms': 1000,
    });
    const deadline = Date.now() + this.#o.timeoutMs;
    let live: Live | undefined;
    try {
      const check = payloadJson(await this.#unaryOn(client, jsonPayload('ServerCheckRequest', { headers: {} }), deadline));
      checkResponse('ServerCheckRequest', check);
      const id = typeof check.connectionId === 'string' ? check.connectionId : '';
      const stream = client.makeBidiStreamRequest<Payload, Payload>('/BiRequestStream/requestBiStream', encodePayload, decodePayload, new grpc.Metadata(), {});
      live = { client, stream, id, server, lost: false };
      const self = live;
      stream.on('data', (p: Payload) => this.#onServerPayload(self, p));
      stream.on('error', (err: Error) => this.#lose(self, err));
      stream.on('end', () => this.#lose(self, new RpcError(Code.ConnectionClosed, 'nacos grpc stream ended')));
      stream.on('close', () => this.#lose(self, new RpcError(Code.ConnectionClosed, 'nacos grpc stream closed')));
      stream.write(jsonPayload('ConnectionSetupRequest', {
        clientVersion: 'Nacos-Meshlet-Client:v0.1.0',
        tenant: this.#o.namespace,
        labels: this.#o.labels,
        abilityTable: {},
        headers: {},
        module: 'internal',
      }, await this.#o.headers().catch(() => ({}))));
      // The server registers the connection when it reads the setup; until then every request is
      // answered "unregistered" (301). A passing health check is the proof it is set up.
      for (;;) {
        try {
          checkResponse('HealthCheckRequest', payloadJson(await this.#unaryOn(client, jsonPayload('HealthCheckRequest', { headers: {}, module: 'internal' }), deadline)));
          break;
        } catch (err) {
          if (!(err instanceof NacosGrpcError && err.errorCode === NACOS_CODES.UN_REGISTER) || Date.now() + 50 > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (!stream.closed && !stream.destroyed) return live;
      throw new RpcError(Code.ConnectionClosed, 'nacos grpc stream closed during setup');
    } catch (err) {
      if (live) this.#lose(live, undefined);
      else client.close();
      throw err;
    }
  }

  #unary(live: Live, p: Payload, deadline: number): Promise<Payload> {
    return this.#unaryOn(live.client, p, deadline).catch((err: unknown) => {
      // The HTTP/2 connection is gone: the server has dropped this connection's instances.
      if (err instanceof RpcError && err.code === Code.Unavailable) this.#lose(live, err);
      throw err;
    });
  }

  #unaryOn(client: GrpcJs.Client, p: Payload, deadline: number): Promise<Payload> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest<Payload, Payload>('/Request/request', encodePayload, decodePayload, p, { deadline }, (err, value) => {
        if (err || !value) {
          const code = err?.code === 4 ? Code.Timeout : err?.code === 13 ? Code.Serialization : Code.Unavailable;
          reject(new RpcError(code, `nacos grpc ${p.type}: ${err?.details || err?.message || 'no answer'}`, { cause: err }));
        } else resolve(value);
      });
    });
  }

  #startKeepAlive(live: Live): void {
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = setInterval(() => {
      if (this.#live !== live) return;
      this.#unaryOn(live.client, jsonPayload('HealthCheckRequest', { headers: {}, module: 'internal' }), Date.now() + this.#o.timeoutMs)
        .then((p) => checkResponse('HealthCheckRequest', payloadJson(p)))
        .catch((err: unknown) => this.#lose(live, err));
    }, this.#o.keepAliveMs);
    this.#keepAlive.unref();
  }

  #onServerPayload(live: Live, p: Payload): void {
    let body: Record<string, unknown>;
    try {
      body = payloadJson(p);
    } catch {
      return; // nothing to answer: the server times the request out
    }
    const requestId = typeof body.requestId === 'string' ? body.requestId : '';
    const ok = { resultCode: 200, errorCode: 0, success: true, requestId };
    let answer: Payload;
    if (p.type === 'ConnectResetRequest') {
      answer = jsonPayload('ConnectResetResponse', ok);
      setImmediate(() => this.#lose(live, new RpcError(Code.Unavailable, 'nacos server asked to reconnect')));
    } else if (p.type === 'ClientDetectionRequest') answer = jsonPayload('ClientDetectionResponse', ok);
    else if (p.type === 'SetupAckRequest') answer = jsonPayload('SetupAckResponse', ok);
    else {
      let handled: Record<string, unknown> | undefined;
      try {
        handled = this.#o.onServerRequest(p.type, body);
      } catch {
        handled = undefined;
      }
      const responseType = p.type.endsWith('Request') ? `${p.type.slice(0, -'Request'.length)}Response` : 'ErrorResponse';
      answer = handled
        ? jsonPayload(responseType, { ...ok, ...handled })
        : jsonPayload('ErrorResponse', { resultCode: 500, errorCode: NACOS_CODES.NO_HANDLER, success: false, requestId, message: `no handler for ${p.type}` });
    }
    if (this.#live === live && !live.stream.destroyed) live.stream.write(answer);
  }

  #lose(live: Live, err: unknown): void {
    if (live.lost) return;
    live.lost = true;
    const wasCurrent = this.#live === live;
    if (err !== undefined && wasCurrent) this.lastError = err;
    if (wasCurrent) {
      this.#live = undefined;
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
    live.stream.removeAllListeners('data');
    live.stream.on('error', () => {});
    live.stream.cancel();
    live.client.close();
    if (wasCurrent) this.#wake?.();
  }
}
