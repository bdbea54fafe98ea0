import { Code, RpcError } from '@meshlet/core';
import type { NacosSettings } from './options.js';
import { NacosToken } from './token.js';

/** A Nacos answer that is not a 2xx: the status and body, for callers that look at them (403 → log in again). */
export class NacosHttpError extends RpcError {
  constructor(status: number, message: string) {
    // 4xx other than auth: the request itself was refused (bad namespace, bad parameter).
    const code = status === 401 || status === 403 ? Code.PermissionDenied : status < 500 ? Code.InvalidArgument : Code.Unavailable;
    super(code, message, { status });
  }
}

/** Per-request extras: headers (`casMd5`, `Long-Pulling-Timeout`) and a longer bound (a long poll). */
export interface NacosRequestOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Ends the request early (a long poll when the registry closes). */
  readonly signal?: AbortSignal;
}

/**
 * Nacos' open HTTP API (`/nacos/v1/...`) over `fetch`: servers tried in turn from the last one that
 * answered, an access token obtained with username/password and renewed before it lapses (or when
 * refused), every request bounded by `timeoutMs`. Transport failures reject with UNAVAILABLE.
 */
export class NacosHttp {
  readonly #s: NacosSettings;
  #current = 0;
  /** The access token, shared with the gRPC naming client of the same registry. */
  readonly token: NacosToken;
  /** No server answered the last request: the next answer is a recovery (the server may have restarted empty). */
  #unreachable = false;
  /** When a server answered again after none had (or `markRecovered` said it restarted); 0 = never. */
  recoveredAt = 0;

  constructor(settings: NacosSettings) {
    this.#s = settings;
    this.token = new NacosToken(settings, () => this.#send('POST', '/nacos/v1/auth/login', { username: settings.username ?? '', password: settings.password ?? '' }, undefined));
  }

  /** Sends one request; resolves with the body text of a 2xx answer. */
  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string>, options: NacosRequestOptions = {}): Promise<string> {
    // A refused login rejects here, once: logging in again with the same credentials cannot help.
    const token = await this.token.get();
    try {
      return await this.#send(method, path, params, token, options);
    } catch (err) {
      // A token the server no longer knows (it restarted, or it expired early): log in once more.
      if (err instanceof NacosHttpError && err.status === 403 && this.token.renewable) {
        this.token.invalidate();
        return this.#send(method, path, params, await this.token.get(), options);
      }
      throw err;
    }
  }

  /** The server forgot what it knew (a beat answered "no such instance"): it restarted, or expired us. */
  markRecovered(): void {
    this.recoveredAt = Date.now();
  }

  async #send(method: string, path: string, params: Record<string, string>, token: string | undefined, options: NacosRequestOptions = {}): Promise<string> {
    const query = new URLSearchParams(params);
    if (token !== undefined) query.set('accessToken', token);
    let lastError: unknown;
    const n = this.#s.servers.length;
    for (let i = 0; i < n; i++) {
      const index = (this.#current + i) % n;
      const server = this.#s.servers[index] as string;
      let response: Response;
      try {
        // Parameters in the query for every verb: Nacos reads them from there, and no body means no content-type question.
        response = await fetch(`http://${server}${path}?${query.toString()}`, {
          method,
          signal: options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? this.#s.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs ?? this.#s.timeoutMs),
          ...(options.headers ? { headers: options.headers } : {}),
        });
      } catch (err) {
        if (options.signal?.aborted) throw new RpcError(Code.Cancelled, `nacos ${method} ${path}: cancelled`);
        lastError = err;
        continue;
      }
      const text = await response.text().catch(() => '');
      if (this.#unreachable) {
        this.#unreachable = false;
        this.recoveredAt = Date.now();
      }
      if (response.ok) {
        this.#current = index;
        return text;
      }
      // Refused or invalid: another server of the same cluster would answer the same.
      if (response.status < 500) throw new NacosHttpError(response.status, `nacos ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
      lastError = new NacosHttpError(response.status, `nacos ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    if (lastError instanceof RpcError) throw lastError;
    this.#unreachable = true;
    throw new RpcError(Code.Unavailable, `nacos ${method} ${path}: no server answered (${lastError instanceof Error ? (lastError.cause instanceof Error ? lastError.cause.message : lastError.message) : String(lastError)})`);
  }
}
