import { EventEmitter } from 'node:events';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { importOptional } from '../optional.js';
import { nextEvent } from '../wait-event.js';
import type { RedisSettings } from './options.js';
import { DELETE, PUT, READ } from './scripts.js';

type Client = Redis | Cluster;

/** The scripts as commands (ioredis sends EVALSHA and falls back to EVAL after a Redis restart). */
interface ScriptCommands {
  meshletPut(entries: string, leases: string, meta: string, gone: string, id: string, json: string, leaseMs: number, channel: string): Promise<number>;
  meshletDelete(entries: string, leases: string, meta: string, gone: string, id: string, channel: string): Promise<number>;
  meshletRead(entries: string, leases: string, meta: string, gone: string, channel: string, revision: string): Promise<ReadReply>;
}

/** [revision, server now, soonest deadline or '', entries (flat), leases (flat), tombstones]. */
export type ReadReply = [string, number, string, string[]?, string[]?, string[]?];

/**
 * The registry's two connections: one for commands (the scripts), one in subscriber mode for the
 * change channels. Commands are never queued while Redis is unreachable (enableOfflineQueue off):
 * the registry skips reads and renewals then, and catches up on `ready`, so an outage cannot pile
 * up a backlog. Emits `ready` (commands) and `subscriber-ready`, and `message` (channel).
 */
export class RedisClients extends EventEmitter {
  readonly cmd: Client & ScriptCommands;
  readonly sub: Client;
  readonly #timeoutMs: number;
  /**
   * False until the first `ready`: Redis unreachable from the start is not a loss to warn about
   * here; `register()` rejects and the runtime says it once (MESHLET_REGISTRY_UNREACHABLE_AT_START).
   */
  #healthy = false;
  #closed = false;

  private constructor(cmd: Client, sub: Client, timeoutMs: number) {
    super();
    this.cmd = cmd as Client & ScriptCommands;
    this.sub = sub;
    this.#timeoutMs = timeoutMs;
    for (const c of [cmd, sub]) {
      c.defineCommand('meshletPut', { numberOfKeys: 4, lua: PUT });
      c.defineCommand('meshletDelete', { numberOfKeys: 4, lua: DELETE });
      c.defineCommand('meshletRead', { numberOfKeys: 4, lua: READ });
    }
    cmd.on('ready', () => {
      this.#healthy = true;
      this.emit('ready');
    });
    sub.on('ready', () => this.emit('subscriber-ready'));
    sub.on('message', (channel: string) => this.emit('message', channel));
    // An 'error' listener is required (ioredis prints unhandled ones); one warning per outage.
    const onError = (err: Error) => this.#unhealthy(err.message);
    cmd.on('error', onError);
    sub.on('error', () => {});
    cmd.on('close', () => this.#unhealthy('connection closed'));
  }

  static async create(settings: RedisSettings): Promise<RedisClients> {
    const { Redis, Cluster } = await importOptional(() => import('ioredis'), 'ioredis', '6.0.0', 'the redis registry');
    const t = settings.target;
    const common: Partial<RedisOptions> = {
      // RESP2: the reply shapes the scripts and subscriber code expect, whatever the server offers.
      protocol: 2,
      connectionName: 'meshlet-registry',
      enableOfflineQueue: false,
      commandTimeout: settings.timeoutMs,
      maxRetriesPerRequest: 1,
      connectTimeout: settings.timeoutMs,
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      username: t.username,
      password: t.password,
      ...(t.tls ? { tls: {} } : {}),
      ...(settings.redisOptions as Partial<RedisOptions>),
    };
    let cmd: Client;
    if (t.mode === 'cluster') {
      const { redisOptions, ...rest } = settings.clusterOptions as Partial<ClusterOptions>;
      const options: ClusterOptions = {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times: number) => Math.min(times * 100, 2000),
        slotsRefreshTimeout: settings.timeoutMs,
        ...rest,
        redisOptions: { ...withoutClusterForbidden(common), ...redisOptions },
      };
      cmd = new Cluster(t.nodes.map((n) => ({ host: n.host, port: n.port })), options);
    } else if (t.mode === 'sentinel') {
      cmd = new Redis({
        ...common,
        enableAutoPipelining: true,
        sentinels: t.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: t.name,
        db: t.db ?? 0,
        sentinelUsername: t.sentinelUsername,
        sentinelPassword: t.sentinelPassword,
        sentinelRetryStrategy: (times: number) => Math.min(times * 100, 2000),
      });
    } else {
      cmd = new Redis({ ...common, enableAutoPipelining: true, host: t.host, port: t.port, db: t.db ?? 0 });
    }
    // The subscriber may queue its (few) SUBSCRIBE commands while offline; ioredis re-subscribes
    // every channel by itself after a reconnect.
    const sub = cmd instanceof Cluster ? cmd.duplicate([], { enableOfflineQueue: true }) : cmd.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false });
    return new RedisClients(cmd, sub, settings.timeoutMs);
  }

  get ready(): boolean {
    return !this.#closed && this.cmd.status === 'ready';
  }

  /** Resolves once commands can be sent; rejects with UNAVAILABLE after `timeoutMs`. */
  whenReady(timeoutMs = this.#timeoutMs): Promise<void> {
    if (this.ready) return Promise.resolve();
    return nextEvent(this, 'ready', timeoutMs, `redis registry: Redis not reachable within ${timeoutMs} ms`);
  }

  /**
   * Resolves once Redis confirmed the subscription: only then is a read sure to be followed by
   * a message for any later change. Rejects when offline or closing; `subscriber-ready` retries.
   */
  async subscribe(...channels: string[]): Promise<void> {
    if (channels.length > 0) await this.sub.subscribe(...channels);
  }

  unsubscribe(channel: string): void {
    if (this.sub.status === 'ready') this.sub.unsubscribe(channel).catch(() => {});
  }

  close(): void {
    this.#closed = true;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  #unhealthy(reason: string): void {
    if (this.#closed || !this.#healthy) return;
    this.#healthy = false;
    // ioredis messages name host:port at most, never credentials.
    process.emitWarning(`redis registry lost Redis (${reason}); keeping the last known providers and retrying`, {
      type: 'MeshletRegistryWarning',
      code: 'MESHLET_REGISTRY_UNAVAILABLE',
    });
  }
}

/** Options a Cluster must not pass down to its node connections. */
function withoutClusterForbidden(o: Partial<RedisOptions>): ClusterOptions['redisOptions'] {
  const { enableOfflineQueue: _a, retryStrategy: _b, ...rest } = o;
  return rest as ClusterOptions['redisOptions'];
}
