import { invalidArgument, positiveMs } from '../validate.js';
import { MIGRATIONS, REGISTER_MODES, type Migration, type RegisterMode } from '../zookeeper/discovery-modes.js';

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
  /**
   * Dubbo 3's `register-mode` for Dubbo providers with an application name: `interface`
   * (`providers:{interface}:{version}:{group}` services), `instance` (the application's service
   * and the interface → application mapping config), or `all` (both, the default, as Dubbo 3).
   */
  readonly registerMode?: RegisterMode | undefined;
  /**
   * Dubbo 3's consumer `migration` rule for Dubbo subscriptions: `FORCE_INTERFACE`,
   * `APPLICATION_FIRST` (the default: the application level when it finds any provider) or
   * `FORCE_APPLICATION`. The application level needs the runtime's MetadataService client.
   */
  readonly migration?: Migration | undefined;
  /**
   * After Nacos was unreachable or forgot this process' instances (it restarted: ephemeral
   * instances live in its memory), an empty list does not replace a non-empty one for this long,
   * ms, while providers register again. Default 15 000 (three beats). 0 turns it off.
   */
  readonly emptyGraceMs?: number;
  /** Never let an empty list replace a non-empty one (Java nacos-client's `namingPushEmptyProtection`). Default false. */
  readonly emptyProtection?: boolean;
  /**
   * `http` (the default): the v1 open API, heartbeats and periodic reads. `grpc`: Nacos 2.x's gRPC
   * API at each server's port + 1000 (grpc/): instances live with one long connection, subscribers
   * get pushes. Needs the optional package @grpc/grpc-js.
   */
  readonly api?: 'http' | 'grpc';
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
  readonly registerMode: RegisterMode;
  readonly migration: Migration;
  readonly emptyGraceMs: number;
  readonly emptyProtection: boolean;
  readonly api: 'http' | 'grpc';
}

const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;

/**
 * `nacos://[user:password@]h1:8848[,h2:8848]?namespace=&group=&username=&password=&accessToken=&beat=&refresh=&timeout=&register-mode=&migration=&emptyGrace=&emptyProtection=&api=http|grpc`
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
    registerMode: oneOf(o.registerMode, REGISTER_MODES, 'all', 'register-mode'),
    migration: oneOf(o.migration, MIGRATIONS, 'APPLICATION_FIRST', 'migration'),
    emptyGraceMs: o.emptyGraceMs === undefined ? 15_000 : nonNegativeMs(o.emptyGraceMs, 'emptyGrace'),
    emptyProtection: o.emptyProtection ?? false,
    api: oneOf(o.api, ['http', 'grpc'] as const, 'http', 'api'),
  });
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, name: string): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw invalidArgument(`nacos registry ${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  return value as T;
}

function nonNegativeMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidArgument(`nacos registry: ${name} must be a number of ms >= 0`);
  return value;
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
  const known = new Set(['namespace', 'group', 'username', 'password', 'accessToken', 'beat', 'refresh', 'timeout', 'cluster', 'register-mode', 'migration', 'emptyGrace', 'emptyProtection', 'api']);
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
    registerMode: str('register-mode') as RegisterMode | undefined,
    migration: str('migration') as Migration | undefined,
    emptyGraceMs: num('emptyGrace'),
    emptyProtection: bool(query.get('emptyProtection')),
    api: str('api') as 'http' | 'grpc' | undefined,
  };
}

function bool(value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (value === 'true' || value === '') return true;
  if (value === 'false') return false;
  throw invalidArgument('nacos registry URL: emptyProtection must be true or false');
}
