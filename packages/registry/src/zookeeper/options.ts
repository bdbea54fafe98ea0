import { parseMultiHostUrl, QueryOptions } from '../multi-host-url.js';
import { invalidArgument, positiveMs } from '../validate.js';
import { MIGRATIONS, REGISTER_MODES, type Migration, type RegisterMode } from './discovery-modes.js';
import { dubboLayout } from './dubbo-layout.js';
import type { ZookeeperLayout } from './layout.js';
import { motanLayout } from './motan-layout.js';
import { sofaLayout } from './sofa-layout.js';

export interface ZookeeperRegistryOptions {
  /** `zookeeper://[user:password@]h1:2181,h2:2181[/chroot][?options]` (see README); or give `servers`. */
  readonly url?: string | undefined;
  /** `h1:2181,h2:2181`. */
  readonly servers?: string | undefined;
  /** A path every node lives under, e.g. `/prod` (created when missing). Default none. */
  readonly chroot?: string | undefined;
  /** `user:password` for ZooKeeper's digest authentication. */
  readonly digest?: string | undefined;
  /**
   * The session timeout asked of the server, ms: a crashed provider's nodes disappear this long
   * after its last heartbeat (the server may clamp it to its min/maxSessionTimeout). Default 30 000.
   */
  readonly sessionTimeoutMs?: number | undefined;
  /** How long register/subscribe wait for an unreachable ZooKeeper, and each request's timeout, ms. Default 5000. */
  readonly timeoutMs?: number | undefined;
  /** Re-list every watched directory and re-check every own node at least this often, ms. Default 60 000. */
  readonly refreshMs?: number | undefined;
  /** Layout per endpoint protocol. Default `defaultZookeeperLayouts()`. */
  readonly layouts?: Readonly<Record<string, ZookeeperLayout>> | undefined;
  /**
   * Dubbo 3's `register-mode` for Dubbo providers with an application name: `interface`
   * (`/dubbo/{interface}/providers` only), `instance` (application-level only: `/services/{app}/…`
   * and `/dubbo/mapping/{interface}`), or `all` (both, Dubbo 3's default). Default `all`.
   */
  readonly registerMode?: RegisterMode | undefined;
  /**
   * Dubbo 3's consumer `migration` rule for Dubbo subscriptions: `FORCE_INTERFACE` (interface
   * level only), `APPLICATION_FIRST` (the application level when it has providers, else the
   * interface level) or `FORCE_APPLICATION`. The application level needs the runtime's metadata
   * fetcher (a Meshlet runtime installs it). Default `APPLICATION_FIRST`.
   */
  readonly migration?: Migration | undefined;
}

/**
 * Dubbo for `dubbo` and `tri` endpoints (Dubbo 3 lists its Triple providers as `tri://` URLs in the
 * same `/dubbo/{interface}/providers` node: one layout, one watch), SOFARPC for `bolt`, Motan for
 * `motan2`.
 */
export function defaultZookeeperLayouts(): Record<string, ZookeeperLayout> {
  const dubbo = dubboLayout();
  return { dubbo, tri: dubbo, bolt: sofaLayout(), motan2: motanLayout() };
}

export interface ZookeeperSettings {
  readonly servers: string;
  readonly chroot: string;
  readonly digest: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly timeoutMs: number;
  readonly refreshMs: number;
  readonly layouts: ReadonlyMap<string, ZookeeperLayout>;
  readonly registerMode: RegisterMode;
  readonly migration: Migration;
}

export function zookeeperSettings(options: ZookeeperRegistryOptions | string): ZookeeperSettings {
  const o: ZookeeperRegistryOptions = typeof options === 'string' ? { url: options } : options;
  const u = o.url === undefined ? undefined : parseZookeeperUrl(o.url);
  const servers = o.servers ?? u?.servers;
  if (!servers) throw invalidArgument('zookeeper registry needs a url or servers');
  const layouts = o.layouts ?? u?.layouts ?? defaultZookeeperLayouts();
  const map = new Map(Object.entries(layouts));
  if (map.size === 0) throw invalidArgument('zookeeper registry needs at least one layout');
  return {
    servers,
    chroot: checkChroot(o.chroot ?? u?.chroot ?? ''),
    digest: o.digest ?? u?.digest,
    sessionTimeoutMs: positiveMs(o.sessionTimeoutMs ?? u?.sessionTimeoutMs, 30_000, 'zookeeper registry sessionTimeoutMs'),
    timeoutMs: positiveMs(o.timeoutMs ?? u?.timeoutMs, 5000, 'zookeeper registry timeoutMs'),
    refreshMs: positiveMs(o.refreshMs ?? u?.refreshMs, 60_000, 'zookeeper registry refreshMs'),
    layouts: map,
    registerMode: registerMode(o.registerMode ?? u?.registerMode),
    migration: migration(o.migration ?? u?.migration),
  };
}

function migration(value: string | undefined): Migration {
  if (value === undefined) return 'APPLICATION_FIRST';
  if (!(MIGRATIONS as readonly string[]).includes(value)) throw invalidArgument(`zookeeper registry migration must be one of ${MIGRATIONS.join(', ')}, not "${value}"`);
  return value as Migration;
}


function registerMode(mode: string | undefined): RegisterMode {
  if (mode === undefined) return 'all';
  if (!(REGISTER_MODES as readonly string[]).includes(mode)) throw invalidArgument(`zookeeper registry register-mode must be one of ${REGISTER_MODES.join(', ')}, not "${mode}"`);
  return mode as RegisterMode;
}

/**
 * `zookeeper://[user:password@]h1:2181,h2:2181[/chroot]` with options `?session=` (session
 * timeout), `&timeout=`, `&refresh=` (ms), `&layouts=dubbo,bolt,motan2` (which default layouts
 * are on, by endpoint protocol), `&register-mode=interface|instance|all` and
 * `&migration=FORCE_INTERFACE|APPLICATION_FIRST|FORCE_APPLICATION`.
 */
export function parseZookeeperUrl(url: string): ZookeeperRegistryOptions & { servers: string } {
  const u = parseMultiHostUrl(url, 2181, 'zookeeper registry');
  if (u.scheme !== 'zookeeper' && u.scheme !== 'zk') throw invalidArgument(`not a zookeeper registry scheme: "${u.scheme}"`);
  const q = new QueryOptions(u.query, 'zookeeper registry');
  const sessionTimeoutMs = q.ms('session');
  const timeoutMs = q.ms('timeout');
  const refreshMs = q.ms('refresh');
  const chosen = q.string('layouts');
  const mode = q.string('register-mode');
  const migrationRule = q.string('migration');
  q.finish();
  let layouts: Record<string, ZookeeperLayout> | undefined;
  if (chosen !== undefined) {
    const all = defaultZookeeperLayouts();
    layouts = {};
    for (const name of chosen.split(',').map((s) => s.trim()).filter(Boolean)) {
      const layout = all[name];
      if (!layout) throw invalidArgument(`zookeeper registry: no default layout for protocol "${name}" (have: ${Object.keys(all).join(', ')})`);
      layouts[name] = layout;
    }
  }
  const digest = u.username === undefined ? undefined : `${u.username}:${u.password ?? ''}`;
  return {
    servers: u.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(','),
    chroot: u.path === '' ? '' : `/${u.path}`,
    digest,
    sessionTimeoutMs,
    timeoutMs,
    refreshMs,
    layouts,
    registerMode: mode as RegisterMode | undefined,
    migration: migrationRule as Migration | undefined,
  };
}

function checkChroot(chroot: string): string {
  const c = chroot.replace(/\/+$/, '');
  if (c === '') return '';
  if (!c.startsWith('/') || c.split('/').slice(1).some((p) => p === '' || p === '.' || p === '..')) {
    throw invalidArgument('zookeeper registry chroot must be an absolute path like /prod');
  }
  return c;
}
