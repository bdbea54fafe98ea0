import { Code, RpcError } from '@meshlet/core';
import type { NacosSettings } from '../options.js';

/**
 * The access token gRPC requests carry in their `accessToken` header. Nacos 2.x has no gRPC login:
 * nacos-client logs in over HTTP (`/nacos/v1/auth/login`) and renews the token at 90 % of its TTL;
 * so do we. A fixed `accessToken` setting is sent as is.
 */
export class GrpcToken {
  readonly #s: NacosSettings;
  #token: string | undefined;
  #until = 0;
  #login: Promise<string | undefined> | undefined;

  constructor(settings: NacosSettings) {
    this.#s = settings;
    this.#token = settings.accessToken;
    this.#until = settings.accessToken === undefined ? 0 : Infinity;
  }

  /** The headers every request carries ({} without auth). */
  async headers(): Promise<Record<string, string>> {
    const token = await this.#get();
    return token === undefined ? {} : { accessToken: token };
  }

  /** A token the server refused (it restarted and forgot it): the next request logs in again. */
  invalidate(): void {
    if (this.#s.username !== undefined) this.#until = 0;
  }

  get renewable(): boolean {
    return this.#s.username !== undefined;
  }

  #get(): Promise<string | undefined> {
    if (this.#s.username === undefined || (this.#token !== undefined && Date.now() < this.#until)) return Promise.resolve(this.#token);
    this.#login ??= this.#doLogin().finally(() => (this.#login = undefined));
    return this.#login;
  }

  async #doLogin(): Promise<string | undefined> {
    let last: unknown;
    for (const server of this.#s.servers) {
      const query = new URLSearchParams({ username: this.#s.username ?? '', password: this.#s.password ?? '' });
      let res: Response;
      try {
        res = await fetch(`http://${server}/nacos/v1/auth/login?${query.toString()}`, { method: 'POST', signal: AbortSignal.timeout(this.#s.timeoutMs) });
      } catch (err) {
        last = err;
        continue;
      }
      const body = await res.text().catch(() => '');
      if (res.status === 401 || res.status === 403) throw new RpcError(Code.PermissionDenied, `nacos login refused: HTTP ${res.status}`);
      if (!res.ok) {
        last = new Error(`HTTP ${res.status}`);
        continue;
      }
      let parsed: { accessToken?: unknown; tokenTtl?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        throw new RpcError(Code.PermissionDenied, 'nacos login answered without a token');
      }
      if (typeof parsed.accessToken !== 'string') throw new RpcError(Code.PermissionDenied, 'nacos login answered without a token');
      const ttl = typeof parsed.tokenTtl === 'number' && parsed.tokenTtl > 0 ? parsed.tokenTtl : 18_000;
      this.#token = parsed.accessToken;
      this.#until = Date.now() + ttl * 900;
      return this.#token;
    }
    throw new RpcError(Code.Unavailable, `nacos login: no server answered (${last instanceof Error ? last.message : String(last)})`);
  }
}
