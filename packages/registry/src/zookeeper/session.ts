import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import type { Client } from 'node-zookeeper-client';
import { Code, RpcError } from '@meshlet/core';
import { nextEvent } from '../wait-event.js';
import { loadZookeeper, Zk } from './zk.js';

/** `NODE_DEBUG=meshlet-registry` traces session state changes. */
const debug = debuglog('meshlet-registry');

export interface SessionOptions {
  /** `h1:2181,h2:2181` (no chroot: the registry prefixes paths itself). */
  readonly servers: string;
  readonly sessionTimeoutMs: number;
  readonly timeoutMs: number;
  /** `digest` credentials `user:password`, sent on every (re)connect. */
  readonly digest?: string | undefined;
}

/**
 * A ZooKeeper session that outlives session expiry: node-zookeeper-client reconnects by itself
 * within a session, but an expired session is final for a client, so this replaces the client
 * and starts a new session. Emits `connected` (with `true` when it is a new session: ephemeral
 * nodes and watches of the old one are gone), `disconnected` and `expired`.
 */
export class ZkSession extends EventEmitter {
  readonly #options: SessionOptions;
  #zk: Zk | undefined;
  #starting: Promise<void> | undefined;
  #sessionId: string | undefined;
  #connected = false;
  #closed = false;
  #watchdog: NodeJS.Timeout | undefined;
  /** When the current client last stopped being connected (or started trying). */
  #downSince = Date.now();

  constructor(options: SessionOptions) {
    super();
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  /** The current client's calls; undefined before `start`. */
  get zk(): Zk | undefined {
    return this.#zk;
  }

  /** The current session's id (hex), once connected. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  start(): Promise<void> {
    this.#starting ??= this.#newClient();
    return this.#starting;
  }

  /** Resolves once connected; rejects with UNAVAILABLE after `timeoutMs`. */
  async whenConnected(timeoutMs = this.#options.timeoutMs): Promise<void> {
    await this.start();
    if (this.connected) return;
    if (this.#closed) throw new RpcError(Code.Shutdown, 'zookeeper registry is closed');
    await nextEvent(this, 'connected', timeoutMs, `zookeeper registry: ZooKeeper not reachable within ${timeoutMs} ms`);
  }

  close(): void {
    this.#closed = true;
    this.#connected = false;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#zk?.client.close();
  }

  /**
   * node-zookeeper-client (1.1.x) stops its connect timer once TCP connects, so a server that
   * accepts the connection but never answers the session handshake (seen while ZooKeeper is
   * starting) leaves the client waiting until the server drops it: long enough for the session to
   * expire and every ephemeral node with it. While disconnected, this drops the pending socket
   * every `redialMs`; the client then dials again at once, with the same session.
   */
  #startWatchdog(): void {
    if (this.#watchdog) return;
    const redialMs = Math.max(500, Math.min(2000, this.#options.sessionTimeoutMs / 4));
    this.#watchdog = setInterval(() => {
      if (this.#closed || this.#connected || Date.now() - this.#downSince < redialMs) return;
      const socket = (this.#zk?.client as unknown as { connectionManager?: { socket?: { destroy(): void; connecting?: boolean } } } | undefined)?.connectionManager?.socket;
      debug('zookeeper: no session answer for %d ms, dialling again', Date.now() - this.#downSince);
      this.#downSince = Date.now();
      socket?.destroy();
    }, redialMs / 2);
    this.#watchdog.unref();
  }

  async #newClient(): Promise<void> {
    const z = await loadZookeeper();
    if (this.#closed) return;
    const client: Client = z.createClient(this.#options.servers, {
      sessionTimeout: this.#options.sessionTimeoutMs,
      // Between rounds over all servers: short, so a restarted server is found quickly.
      spinDelay: 200,
      retries: 0,
    });
    this.#zk = new Zk(z, client, this.#options.timeoutMs);
    client.on('state', (state: { name: string }) => {
      if (this.#zk?.client !== client || this.#closed) return;
      debug('zookeeper session %s: %s', client.getSessionId().toString('hex'), state.name);
      switch (state.name) {
        case 'SYNC_CONNECTED': {
          const id = client.getSessionId().toString('hex');
          const fresh = id !== this.#sessionId;
          this.#downSince = Date.now();
          this.#sessionId = id;
          this.#connected = true;
          this.emit('connected', fresh);
          break;
        }
        case 'DISCONNECTED':
          if (this.#connected) this.#downSince = Date.now();
          this.#connected = false;
          this.emit('disconnected');
          break;
        case 'EXPIRED':
          this.#connected = false;
          this.emit('expired');
          // The old client is done for; a new one starts a new session.
          client.close();
          this.#starting = undefined;
          void this.start();
          break;
        case 'AUTH_FAILED':
          process.emitWarning('zookeeper registry: authentication failed (check the credentials in the registry URL)', {
            type: 'MeshletRegistryWarning',
            code: 'MESHLET_REGISTRY_AUTH',
          });
          break;
        default:
          break;
      }
    });
    this.#downSince = Date.now();
    this.#startWatchdog();
    // Kept by the client and sent again after every reconnect.
    if (this.#options.digest) client.addAuthInfo('digest', Buffer.from(this.#options.digest));
    client.connect();
  }
}
