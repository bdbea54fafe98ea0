import { Code, RpcError } from '@meshlet/core';
import type { NacosSettings } from './options.js';

/**
 * The access token every Nacos request carries (HTTP's `accessToken` parameter, gRPC's header):
 * a fixed `accessToken` setting as is, else one from `/nacos/v1/auth/login` with username/password
 * (Nacos 2.x has no gRPC login), renewed at 90 % of its life as the Java client does, so a request
 * never carries a lapsed one, and again when the server refuses it.
 */
export class NacosToken {
  readonly #s: NacosSettings;
  /** Posts the login and resolves with the answer's body. */
  readonly #login: () => Promise<string>;
  #token: string | undefined;
  #until: number;
  #pending: Promise<string | undefined> | undefined;

  constructor(settings: NacosSettings, login: () => Promise<string>) {
    this.#s = settings;
    this.#login = login;
    this.#token = settings.accessToken;
    this.#until = settings.accessToken === undefined ? 0 : Infinity;
  }

  /** Logging in again can help (credentials, not a fixed token). */
  get renewable(): boolean {
    return this.#s.username !== undefined;
  }

  /** The current token (undefined without auth); logs in once for concurrent callers. */
  get(): Promise<string | undefined> {
    if (!this.renewable || (this.#token !== undefined && Date.now() < this.#until)) return Promise.resolve(this.#token);
    this.#pending ??= this.#renew().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** The server refused the token (it restarted, or it expired early): the next `get` logs in. */
  invalidate(): void {
    if (this.renewable) this.#until = 0;
  }

  async #renew(): Promise<string | undefined> {
    const body = await this.#login();
    let parsed: { accessToken?: unknown; tokenTtl?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      throw new RpcError(Code.PermissionDenied, 'nacos login answered without a token');
    }
    if (typeof parsed.accessToken !== 'string') throw new RpcError(Code.PermissionDenied, 'nacos login answered without a token');
    const ttlSeconds = typeof parsed.tokenTtl === 'number' && parsed.tokenTtl > 0 ? parsed.tokenTtl : 18_000;
    this.#token = parsed.accessToken;
    this.#until = Date.now() + ttlSeconds * 900;
    return this.#token;
  }
}
