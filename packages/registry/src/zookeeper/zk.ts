import type { Client, Event, Stat } from 'node-zookeeper-client';
import { Code, RpcError } from '@meshlet/core';
import { importOptional } from '../optional.js';

type Zookeeper = typeof import('node-zookeeper-client');
let module: Zookeeper | undefined;

/** The client library, loaded on first use (registries that never connect never load it). */
export async function loadZookeeper(): Promise<Zookeeper> {
  module ??= ((await importOptional(() => import('node-zookeeper-client'), 'node-zookeeper-client', '1.1.3', 'the zookeeper registry')) as unknown as { default: Zookeeper }).default;
  return module;
}

export type Watcher = (event: Event) => void;

/** ZooKeeper's error codes that the registry handles (node-zookeeper-client Exception codes). */
export const ZkCode = { NoNode: -101, NodeExists: -110, NotEmpty: -111, BadVersion: -103 } as const;

export function zkCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Promise versions of the calls the registry makes on one client (one session), each bounded
 * by `timeoutMs`: node-zookeeper-client holds requests while disconnected, and a call must not
 * wait for an outage to end. A call that times out may still run later; every operation the
 * registry sends is safe to repeat.
 */
export class Zk {
  readonly client: Client;
  readonly #z: Zookeeper;
  readonly #timeoutMs: number;

  constructor(z: Zookeeper, client: Client, timeoutMs: number) {
    this.#z = z;
    this.client = client;
    this.#timeoutMs = timeoutMs;
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.#call<string[]>((cb) => (watcher ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb)), `list ${path}`);
  }

  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return this.#call<Stat | null>((cb) => (watcher ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb)), `check ${path}`);
  }

  getData(path: string): Promise<Buffer | null> {
    return this.#call<Buffer | null>((cb) => this.client.getData(path, cb), `read ${path}`);
  }

  setData(path: string, data: Buffer, version = -1): Promise<void> {
    return this.#call<unknown>((cb) => this.client.setData(path, data, version, cb), `write ${path}`).then(() => {});
  }

  createEphemeral(path: string, data: Buffer | undefined): Promise<void> {
    const mode = this.#z.CreateMode.EPHEMERAL;
    return this.#call<string>((cb) => (data ? this.client.create(path, data, mode, cb) : this.client.create(path, mode, cb)), `create ${path}`).then(() => {});
  }

  /** Creates `path` and its missing parents as persistent nodes; an existing path is fine. */
  mkdirp(path: string): Promise<void> {
    return this.#call<string>((cb) => this.client.mkdirp(path, this.#z.CreateMode.PERSISTENT, cb), `create ${path}`).then(() => {});
  }

  /** Removes a node; an absent one is fine. */
  async remove(path: string, version = -1): Promise<void> {
    try {
      await this.#call<void>((cb) => this.client.remove(path, version, cb as (e: unknown) => void), `remove ${path}`);
    } catch (err) {
      if (zkCode(err) !== ZkCode.NoNode) throw err;
    }
  }

  #call<T>(start: (cb: (err: unknown, result: T) => void) => void, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RpcError(Code.Unavailable, `zookeeper registry: no answer to "${what}" within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      start((err, result) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result);
      });
    });
  }
}
