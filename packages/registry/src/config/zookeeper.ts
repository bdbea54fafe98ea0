import { debuglog } from 'node:util';
import { Code, configGroup, RpcError, type ConfigListener, type ConfigSource } from '@meshlet/core';
import type { Client, Stat } from 'node-zookeeper-client';
import { CoalescedReads } from '../serial.js';
import { zookeeperSettings, type ZookeeperRegistryOptions } from '../zookeeper/options.js';
import { ZkSession } from '../zookeeper/session.js';
import { loadZookeeper, zkCode, ZkCode } from '../zookeeper/zk.js';
import { WatchedDoc, watchDoc } from './watched-doc.js';

const debug = debuglog('meshlet-registry');

export interface ZookeeperConfigSourceOptions {
  /** Dubbo's config root: `/{config.namespace}/config`, `/dubbo/config` by default. */
  readonly rootPath?: string | undefined;
}

/**
 * Dubbo's ZooKeeper config centre (ZookeeperDynamicConfiguration, 2.7 and 3.x): a document is the
 * UTF-8 data of the persistent node `{root}/{group}/{key}`, root `/dubbo/config`, group `dubbo` by
 * default (`/dubbo/config/dubbo/demo.Echo::.condition-router`). Each watched node is read with a
 * data watch (an exists watch while it is absent) and read again on every event and every new
 * session; a failed read keeps the last known content. One session of its own, opened on the
 * first watch or write.
 */
export class ZookeeperConfigSource implements ConfigSource {
  readonly name = 'zookeeper';
  readonly #session: ZkSession;
  readonly #chroot: string;
  readonly #root: string;
  readonly #timeoutMs: number;
  readonly #nodes = new Map<string, NodeWatch>();
  #closed = false;

  constructor(options: ZookeeperRegistryOptions | string, configOptions: ZookeeperConfigSourceOptions = {}) {
    const settings = zookeeperSettings(options);
    this.#chroot = settings.chroot;
    this.#timeoutMs = settings.timeoutMs;
    const root = (configOptions.rootPath ?? '/dubbo/config').replace(/\/+$/, '');
    if (!root.startsWith('/') || root.split('/').slice(1).some((p) => p === '' || p === '.' || p === '..')) {
      throw new RpcError(Code.InvalidArgument, `zookeeper config source: root path must be absolute, like /dubbo/config: ${JSON.stringify(root)}`);
    }
    this.#root = root;
    this.#session = new ZkSession({ servers: settings.servers, sessionTimeoutMs: settings.sessionTimeoutMs, timeoutMs: settings.timeoutMs, digest: settings.digest });
    this.#session.on('connected', (fresh: boolean) => {
      // A new session lost every watch; the same session kept them, but a read shows what the
      // first connect (or an outage) kept from us.
      for (const node of this.#nodes.values()) {
        if (fresh) node.rearm();
        else void node.refresh();
      }
    });
  }

  /** The node path of a document, as Dubbo builds it (before the registry URL's chroot). */
  path(key: string, group?: string): string {
    return `${this.#root}/${configGroup(group)}/${key}`;
  }

  watch(key: string, group: string | undefined, listener: ConfigListener): () => void {
    checkKey(key);
    if (this.#closed) return () => {};
    const path = this.#chroot + this.path(key, group);
    return watchDoc(this.#nodes, path, () => new NodeWatch(path, this.#session, this.#timeoutMs), listener);
  }

  async publish(key: string, group: string | undefined, content: string): Promise<void> {
    checkKey(key);
    const path = this.#chroot + this.path(key, group);
    const client = await this.#client();
    const data = Buffer.from(content, 'utf8');
    try {
      await call<unknown>(this.#timeoutMs, `write ${path}`, (cb) => client.setData(path, data, -1, cb));
      return;
    } catch (err) {
      if (zkCode(err) !== ZkCode.NoNode) throw unavailable(err, path);
    }
    // Created with its data in one step (parents first), as Java's createOrUpdate: a watcher never
    // sees an empty node in between.
    const z = await loadZookeeper();
    const parent = path.slice(0, path.lastIndexOf('/'));
    try {
      await call<string>(this.#timeoutMs, `create ${parent}`, (cb) => client.mkdirp(parent, z.CreateMode.PERSISTENT, cb));
      try {
        await call<string>(this.#timeoutMs, `create ${path}`, (cb) => client.create(path, data, z.CreateMode.PERSISTENT, cb));
      } catch (err) {
        if (zkCode(err) !== ZkCode.NodeExists) throw err;
        await call<unknown>(this.#timeoutMs, `write ${path}`, (cb) => client.setData(path, data, -1, cb));
      }
    } catch (err) {
      throw unavailable(err, path);
    }
  }

  async remove(key: string, group: string | undefined): Promise<void> {
    checkKey(key);
    const path = this.#chroot + this.path(key, group);
    const client = await this.#client();
    try {
      await call<void>(this.#timeoutMs, `remove ${path}`, (cb) => client.remove(path, -1, cb as (e: unknown) => void));
    } catch (err) {
      if (zkCode(err) !== ZkCode.NoNode) throw unavailable(err, path);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const node of this.#nodes.values()) node.stop();
    this.#nodes.clear();
    this.#session.close();
  }

  async #client(): Promise<Client> {
    if (this.#closed) throw new RpcError(Code.Shutdown, 'zookeeper config source is closed');
    await this.#session.whenConnected();
    return this.#session.zk!.client;
  }
}

/** One watched node: its content as last read, and who wants to hear of changes. */
class NodeWatch extends WatchedDoc {
  readonly #path: string;
  readonly #session: ZkSession;
  readonly #timeoutMs: number;
  #armed = false;
  #stopped = false;
  readonly #reads = new CoalescedReads(() => this.#read(), (err: unknown) => {
    debug('zookeeper config %s: read failed: %s', this.#path, err instanceof Error ? err.message : String(err));
  });

  constructor(path: string, session: ZkSession, timeoutMs: number) {
    super(path);
    this.#path = path;
    this.#session = session;
    this.#timeoutMs = timeoutMs;
  }

  refresh(): Promise<void> {
    return this.#reads.refresh();
  }

  rearm(): void {
    this.#armed = false;
    void this.refresh();
  }

  override start(): void {
    void this.#session.start().then(() => this.refresh(), () => {});
  }

  override stop(): void {
    this.#stopped = true;
    this.listeners.clear();
  }

  // One-shot watches: the event clears it, and the read it causes sets the next.
  readonly #watcher = (): void => {
    this.#armed = false;
    if (!this.#stopped) void this.refresh();
  };

  async #read(): Promise<void> {
    const client = this.#session.zk?.client;
    if (this.#stopped || client === undefined || !this.#session.connected) return;
    let content: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const watcher = this.#armed ? undefined : this.#watcher;
      this.#armed = true;
      try {
        const data = await call<Buffer | null>(this.#timeoutMs, `read ${this.#path}`, (cb) =>
          watcher ? client.getData(this.#path, watcher, (e, d) => cb(e, d)) : client.getData(this.#path, (e, d) => cb(e, d)));
        content = data === null || data === undefined ? '' : data.toString('utf8');
        break;
      } catch (err) {
        if (watcher) this.#armed = false;
        if (zkCode(err) !== ZkCode.NoNode) throw err;
      }
      // Absent: watch for its creation; a stat means it appeared meanwhile, so read again.
      const w = this.#armed ? undefined : this.#watcher;
      this.#armed = true;
      let stat: Stat | null;
      try {
        stat = await call<Stat | null>(this.#timeoutMs, `check ${this.#path}`, (cb) =>
          w ? client.exists(this.#path, w, cb) : client.exists(this.#path, cb));
      } catch (err) {
        if (w) this.#armed = false;
        throw err;
      }
      if (stat === null || attempt >= 2) {
        content = undefined;
        break;
      }
    }
    if (this.#stopped) return;
    this.deliver(content);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '' || key.includes('/') || key === '.' || key === '..') {
    throw new RpcError(Code.InvalidArgument, `zookeeper config source: invalid key ${JSON.stringify(key)}`);
  }
}

function unavailable(err: unknown, path: string): RpcError {
  return err instanceof RpcError ? err : new RpcError(Code.Unavailable, `zookeeper config source: ${path}: ${String(err)}`, { cause: err });
}

function call<T>(timeoutMs: number, what: string, start: (cb: (err: unknown, result: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RpcError(Code.Unavailable, `zookeeper config source: no answer to "${what}" within ${timeoutMs} ms`)), timeoutMs);
    start((err, result) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result);
    });
  });
}
