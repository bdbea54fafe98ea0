/**
 * ioredis's `RedisOptions` / `ClusterOptions`, passed through as given. Typed loosely on purpose:
 * ioredis is an optional peer, and these declarations must type-check in apps that never install it.
 */
export type IoredisOptions = Readonly<Record<string, unknown>>;
import { parseMultiHostUrl, QueryOptions } from '../multi-host-url.js';
import { invalidArgument, positiveMs } from '../validate.js';
import { checkPrefix } from './keys.js';

/** Where the registry's Redis is. */
export type RedisTarget =
  | { readonly mode: 'single'; readonly host: string; readonly port: number; readonly db?: number | undefined } & RedisAuth
  | { readonly mode: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string; readonly db?: number | undefined; readonly sentinelUsername?: string | undefined; readonly sentinelPassword?: string | undefined } & RedisAuth
  | { readonly mode: 'cluster'; readonly nodes: readonly HostPort[] } & RedisAuth;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface RedisAuth {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** TLS to Redis (`rediss://...`). */
  readonly tls?: boolean | undefined;
}

export interface RedisRegistryOptions {
  /** `redis://`, `rediss://`, `redis+sentinel://`, `redis+cluster://` URL (see README); or give `target`. */
  readonly url?: string | undefined;
  readonly target?: RedisTarget | undefined;
  /** Extra ioredis options (TLS certificates, timeouts...) merged over the registry's own. */
  readonly redisOptions?: IoredisOptions | undefined;
  /** Extra ioredis Cluster options, for `mode: 'cluster'`. */
  readonly clusterOptions?: IoredisOptions | undefined;
  /** Key and channel prefix. Default `meshlet`. */
  readonly prefix?: string | undefined;
  /** An entry not renewed for this long is gone: how soon a crashed provider disappears, ms. Default 10 000. */
  readonly leaseMs?: number | undefined;
  /** How often the owner renews its entries, ms. Default leaseMs / 3. */
  readonly renewMs?: number | undefined;
  /** Full re-read of each subscribed service at least this often (heals a lost message), ms. Default 5000. */
  readonly refreshMs?: number | undefined;
  /** How long register/subscribe wait for an unreachable Redis, and each command's timeout, ms. Default 5000. */
  readonly timeoutMs?: number | undefined;
}

export interface RedisSettings {
  readonly target: RedisTarget;
  readonly redisOptions: IoredisOptions;
  readonly clusterOptions: IoredisOptions;
  readonly prefix: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly refreshMs: number;
  readonly timeoutMs: number;
}

export function redisSettings(options: RedisRegistryOptions | string): RedisSettings {
  const o: RedisRegistryOptions = typeof options === 'string' ? { url: options } : options;
  const fromUrl = o.url === undefined ? undefined : parseRedisUrl(o.url);
  const merged: RedisRegistryOptions = { ...fromUrl?.options, ...definedOnly(o) };
  const target = o.target ?? fromUrl?.target;
  if (!target) throw invalidArgument('redis registry needs a url or a target');
  const leaseMs = positiveMs(merged.leaseMs, 10_000, 'redis registry leaseMs');
  const renewMs = positiveMs(merged.renewMs, leaseMs / 3, 'redis registry renewMs');
  if (renewMs >= leaseMs) throw invalidArgument('redis registry renewMs must be shorter than leaseMs');
  return {
    target,
    redisOptions: o.redisOptions ?? {},
    clusterOptions: o.clusterOptions ?? {},
    prefix: checkPrefix(merged.prefix ?? 'meshlet'),
    leaseMs,
    renewMs,
    refreshMs: positiveMs(merged.refreshMs, 5000, 'redis registry refreshMs'),
    timeoutMs: positiveMs(merged.timeoutMs, 5000, 'redis registry timeoutMs'),
  };
}

/**
 * `redis://[user:password@]host[:6379][/db]`, `rediss://...` (TLS),
 * `redis+sentinel://[user:password@]h1:26379,h2:26379/mymaster[/db]`,
 * `redis+cluster://[user:password@]h1:7000,h2:7001`, each with the options
 * `?lease=&renew=&refresh=&timeout=` (ms) and `&prefix=`; Sentinel also takes
 * `&sentinelUsername=&sentinelPassword=`.
 */
export function parseRedisUrl(url: string): { target: RedisTarget; options: RedisRegistryOptions } {
  const head = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase() ?? '';
  const [base, mode = 'single'] = head.split('+') as [string, string | undefined];
  if ((base !== 'redis' && base !== 'rediss') || !['single', 'sentinel', 'cluster'].includes(mode)) {
    throw invalidArgument(`not a redis registry scheme: "${head}"`);
  }
  const tls = base === 'rediss';
  const defaultPort = mode === 'sentinel' ? 26379 : 6379;
  const u = parseMultiHostUrl(url, defaultPort, 'redis registry');
  const q = new QueryOptions(u.query, 'redis registry');
  const options: RedisRegistryOptions = {
    leaseMs: q.ms('lease'),
    renewMs: q.ms('renew'),
    refreshMs: q.ms('refresh'),
    timeoutMs: q.ms('timeout'),
    prefix: q.string('prefix'),
  };
  const auth: RedisAuth = { username: u.username, password: u.password, tls };
  let target: RedisTarget;
  if (mode === 'single') {
    if (u.hosts.length !== 1) throw invalidArgument('redis:// takes one host; use redis+sentinel:// or redis+cluster:// for several');
    const h = u.hosts[0] as HostPort;
    target = { mode: 'single', host: h.host, port: h.port, db: db(u.path), ...auth };
  } else if (mode === 'sentinel') {
    const [name = '', dbText = '', ...extra] = u.path.split('/');
    if (name === '' || extra.length > 0) throw invalidArgument('redis+sentinel:// needs the master name as its path: redis+sentinel://h1:26379,h2:26379/mymaster[/db]');
    target = {
      mode: 'sentinel',
      sentinels: u.hosts,
      name,
      db: db(dbText),
      sentinelUsername: q.string('sentinelUsername'),
      sentinelPassword: q.string('sentinelPassword'),
      ...auth,
    };
  } else {
    if (u.path !== '') throw invalidArgument('redis+cluster:// takes no path (Cluster has only database 0)');
    target = { mode: 'cluster', nodes: u.hosts, ...auth };
  }
  q.finish();
  return { target, options };
}

function db(text: string): number | undefined {
  if (text === '') return undefined;
  if (!/^\d{1,5}$/.test(text)) throw invalidArgument('redis registry database must be a number: redis://host:6379/0');
  return Number(text);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
