import { invalidArgument, positiveMs } from '../validate.js';

export interface NacosRegistryOptions {
  /** `host:port` of each server (tried in turn: the first that answers is used until it fails). */
  readonly servers: readonly string[];
  /** Nacos namespace id; `''` (the default) is Nacos' `public` namespace. */
  readonly namespace?: string;
  /** Nacos group every service is registered and read in, as Dubbo's registry `group`. Default `DEFAULT_GROUP`. */
  readonly group?: string;
  /** Logs in with these (`/nacos/v1/auth/login`) and sends the access token it gets. */
  readonly username?: string;
  readonly password?: string;
  /** A token to send as is, when the server issues them some other way. */
  readonly accessToken?: string;
  /** Heartbeat period of ephemeral instances, ms. Default 5 000 (Nacos' client default). */
  readonly beatMs?: number;
  /** Full read period of every subscribed service, ms. Default 10 000 (a lost push heals itself). */
  readonly refreshMs?: number;
  /** Per HTTP request, ms; also how long `subscribe` waits for a first answer. Default 3 000. */
  readonly timeoutMs?: number;
  /** Nacos cluster name of registered instances. Default `DEFAULT`. */
  readonly cluster?: string;
}

export interface NacosSettings {
  readonly servers: readonly string[];
  readonly namespace: string;
  readonly group: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly accessToken: string | undefined;
  readonly beatMs: number;
  readonly refreshMs: number;
  readonly timeoutMs: number;
  readonly cluster: string;
}

const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;

/**
 * `nacos://[user:password@]h1:8848[,h2:8848]?namespace=&group=&username=&password=&accessToken=&beat=&refresh=&timeout=`
 * or an options object. The port defaults to 8848. The URL may carry credentials: error messages never quote it.
 */
export function nacosSettings(options: NacosRegistryOptions | string): NacosSettings {
  const o = typeof options === 'string' ? fromUrl(options) : options;
  if (typeof o !== 'object' || o === null) throw invalidArgument('nacos registry needs a URL or options');
  if (!Array.isArray(o.servers) || o.servers.length === 0) throw invalidArgument('nacos registry needs at least one server host:port');
  const servers = o.servers.map((s) => {
    const m = typeof s === 'string' ? HOST_PORT.exec(s.trim()) : null;
    const port = m?.[2] === undefined ? 8848 : Number(m[2]);
    if (!m || port <= 0 || port > 65535) throw invalidArgument('nacos registry: a server must be host[:port]');
    return `${m[1]}:${port}`;
  });
  for (const k of ['namespace', 'group', 'username', 'password', 'accessToken', 'cluster'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw invalidArgument(`nacos registry: ${k} must be a string`);
  }
  const group = o.group === undefined || o.group === '' ? 'DEFAULT_GROUP' : o.group;
  if (group.includes('@@')) throw invalidArgument('nacos registry: a group cannot contain "@@"');
  if ((o.username === undefined) !== (o.password === undefined)) throw invalidArgument('nacos registry: username and password go together');
  return Object.freeze({
    servers: Object.freeze(servers),
    namespace: o.namespace === 'public' ? '' : (o.namespace ?? ''),
    group,
    username: o.username,
    password: o.password,
    accessToken: o.accessToken,
    beatMs: positiveMs(o.beatMs, 5000, 'nacos beat'),
    refreshMs: positiveMs(o.refreshMs, 10_000, 'nacos refresh'),
    timeoutMs: positiveMs(o.timeoutMs, 3000, 'nacos timeout'),
    cluster: o.cluster === undefined || o.cluster === '' ? 'DEFAULT' : o.cluster,
  });
}

function fromUrl(url: string): NacosRegistryOptions {
  const m = /^nacos:\/\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) throw invalidArgument('nacos registry URL must be nacos://host:port[,host:port][?namespace=&group=]');
  let authority = m[1] as string;
  const query = new URLSearchParams(m[2] ?? '');
  let username = query.get('username') ?? undefined;
  let password = query.get('password') ?? undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    try {
      username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
      password = colon < 0 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      throw invalidArgument('nacos registry URL has malformed credentials');
    }
  }
  const num = (name: string): number | undefined => {
    const v = query.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw invalidArgument(`nacos registry URL: ${name} must be a number of ms`);
    return n;
  };
  const str = (name: string) => query.get(name) ?? undefined;
  const known = new Set(['namespace', 'group', 'username', 'password', 'accessToken', 'beat', 'refresh', 'timeout', 'cluster']);
  for (const k of query.keys()) if (!known.has(k)) throw invalidArgument(`nacos registry URL: unknown parameter ${JSON.stringify(k)}`);
  return {
    servers: authority.split(',').filter((s) => s !== ''),
    namespace: str('namespace'),
    group: str('group'),
    username,
    password,
    accessToken: str('accessToken'),
    beatMs: num('beat'),
    refreshMs: num('refresh'),
    timeoutMs: num('timeout'),
    cluster: str('cluster'),
  };
}
