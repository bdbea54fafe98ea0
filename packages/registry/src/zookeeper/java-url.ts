// The URL spellings the Java registries use, read and written without WHATWG `URL` (which
// rejects or rewrites some of what Java writes: unescaped values, IPv6 without brackets...).

/**
 * `java.net.URLEncoder.encode(s, "UTF-8")`: form encoding. Letters, digits and `. - * _` stay,
 * space becomes `+`, everything else is `%XX` of its UTF-8 bytes. Dubbo and SOFARPC name their
 * ZooKeeper nodes this way; `encodeURIComponent` differs on `! ' ( ) ~ *` and space.
 */
export function javaUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2A/g, '*');
}

/** `java.net.URLDecoder.decode`: `+` is a space. Undefined when the escapes are malformed. */
export function javaUrlDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** A service URL as registries hold it: `protocol://host:port[/path][?k=v&...]`. */
export interface ServiceUrl {
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  /** Without the leading `/`. */
  readonly path: string;
  /** Null prototype: a `__proto__` or `constructor` key is an ordinary key. */
  readonly params: Record<string, string>;
}

const HEAD = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/?#]*?)(?::(\d{1,5}))?(\/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$/i;

/**
 * Parses a provider URL the way Java's `URL.valueOf` reads it: parameters split on `&` and the
 * first `=`, a trailing `&` tolerated (Motan writes one). Percent-escapes in values are decoded
 * when they are well formed (Node SOFA providers escape values; Java ones do not). Undefined when
 * there is no usable host and port.
 */
export function parseServiceUrl(text: string): ServiceUrl | undefined {
  const m = HEAD.exec(text.trim());
  if (!m) return undefined;
  const [, protocol, rawHost = '', portText, rawPath = '', query = ''] = m;
  let host = rawHost;
  let port = portText === undefined ? NaN : Number(portText);
  // Java writes an IPv6 host unbracketed (`::1:8002`): the port is after the last colon.
  if (!host.startsWith('[') && portText === undefined && host.includes(':')) {
    const colon = host.lastIndexOf(':');
    port = Number(host.slice(colon + 1));
    host = host.slice(0, colon);
  }
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { protocol: (protocol as string).toLowerCase(), host, port, path: rawPath.replace(/^\//, ''), params: parseParams(query) };
}

export function parseParams(query: string): Record<string, string> {
  const params = Object.create(null) as Record<string, string>;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = softDecode(eq < 0 ? pair : pair.slice(0, eq));
    if (key === '') continue;
    params[key] = eq < 0 ? '' : softDecode(pair.slice(eq + 1));
  }
  return params;
}

function softDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A parameter that would break a Java-style URL (Java writes values unescaped). */
export function checkUrlParam(key: string, value: string): string | undefined {
  if (key === '' || /[&=?#\s%]/.test(key)) return `parameter name ${JSON.stringify(key)} cannot appear in a registry URL`;
  if (/[&?#\s]/.test(value)) return `parameter ${key} has a value with '&', '?', '#' or whitespace, which a registry URL cannot carry`;
  return undefined;
}

/** `k=v&k=v` in the given key order. */
export function joinParams(params: Readonly<Record<string, string>>, keys: readonly string[]): string {
  return keys.map((k) => `${k}=${params[k]}`).join('&');
}

/** `host` or `[v6]`. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
