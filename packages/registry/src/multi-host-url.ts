import { invalidArgument } from './validate.js';

/** A registry URL that may list several hosts: `scheme://[user[:password]@]h1:p1,h2:p2[/path][?query]`. */
export interface MultiHostUrl {
  readonly scheme: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  /** The path after the host list, percent-decoded, without the leading `/` ('' when none). */
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Parses a URL with a comma-separated host list, which WHATWG `URL` rejects. IPv6 hosts are written
 * `[::1]:port`. Errors name the part that is wrong, never the URL: it may carry a password.
 */
export function parseMultiHostUrl(text: string, defaultPort: number, what: string): MultiHostUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(text.trim());
  if (!m) throw invalidArgument(`${what} URL must look like scheme://host:port[,host:port][/path][?options]`);
  const [, scheme, authority = '', rawPath = '', rawQuery = ''] = m;
  const at = authority.lastIndexOf('@');
  let username: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    username = decodePart(colon < 0 ? userinfo : userinfo.slice(0, colon), `${what} user name`) || undefined;
    password = colon < 0 ? undefined : decodePart(userinfo.slice(colon + 1), `${what} password`);
  }
  const hostList = authority.slice(at + 1);
  const hosts = hostList.split(',').map((h) => h.trim()).filter((h) => h !== '').map((h) => parseHostPort(h, defaultPort, what));
  if (hosts.length === 0) throw invalidArgument(`${what} URL names no host`);
  const path = decodePart(rawPath.replace(/^\//, ''), `${what} path`);
  return { scheme: (scheme as string).toLowerCase(), username, password, hosts, path, query: new URLSearchParams(rawQuery) };
}

function parseHostPort(text: string, defaultPort: number, what: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw invalidArgument(`${what} URL has an unclosed IPv6 bracket`);
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw invalidArgument(`${what} URL has a malformed host`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '' || /[\s/\\@]/.test(host)) throw invalidArgument(`${what} URL has an empty or malformed host`);
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!/^\d*$/.test(portText ?? '') || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw invalidArgument(`${what} URL has an invalid port`);
  }
  return { host, port };
}

function decodePart(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidArgument(`malformed ${what} (bad percent-encoding)`);
  }
}

/**
 * Reads the query options a registry URL may carry. Each reader removes its key; `finish` rejects
 * whatever is left, so a typo (`?leaes=...`) is an error instead of being ignored.
 */
export class QueryOptions {
  readonly #query: URLSearchParams;
  readonly #what: string;

  constructor(query: URLSearchParams, what: string) {
    this.#query = new URLSearchParams(query);
    this.#what = what;
  }

  string(key: string): string | undefined {
    const value = this.#query.get(key);
    this.#query.delete(key);
    return value ?? undefined;
  }

  /** A positive number of milliseconds. */
  ms(key: string): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(n) || n <= 0) {
      throw invalidArgument(`${this.#what} option ${key} must be a positive number of milliseconds`);
    }
    return n;
  }

  boolean(key: string): boolean | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    if (text === 'true' || text === '1' || text === '') return true;
    if (text === 'false' || text === '0') return false;
    throw invalidArgument(`${this.#what} option ${key} must be true or false`);
  }

  finish(): void {
    const left = [...new Set(this.#query.keys())];
    if (left.length > 0) throw invalidArgument(`unknown ${this.#what} option(s): ${left.map((k) => JSON.stringify(k)).join(', ')}`);
  }
}
