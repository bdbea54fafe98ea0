import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Code, endpointAddress, toRpcError, type Endpoint, type EndpointListener, type Registration, type Registry, type ServiceKey } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';
import { takeHeld } from '../held.js';
import { Serial } from '../serial.js';
import { Subscriptions } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError, invalidArgument } from '../validate.js';
import { RedisClients } from './clients.js';
import { encodeEntry, MAX_ENTRY_BYTES } from './entry.js';
import { serviceKeys, type ServiceKeys } from './keys.js';
import { redisSettings, type RedisRegistryOptions, type RedisSettings } from './options.js';
import { ServiceReader } from './reader.js';


/** One registration as written to Redis. */
interface Stored {
  readonly keys: ServiceKeys;
  /** Field in the entries hash and member of the leases set: `<owner> <protocol://host:port>`. */
  readonly id: string;
  readonly json: string;
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

/**
 * The `redis` registry (ioredis): per service a hash of entries and a sorted set of lease
 * deadlines, renewed by their owner, so a crashed provider's entry lapses after `leaseMs`; a
 * pub/sub channel announces every change; subscribers also re-read periodically and at the
 * soonest deadline. Single server, Sentinel and Cluster. See README.md.
 */
export class RedisRegistry implements Registry {
  readonly name = 'redis';
  readonly settings: RedisSettings;
  /** This instance's identity in entry ids: two instances registering the same address keep two entries. */
  readonly owner = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  readonly #registered = new Map<string, Stored>();
  /** Deletions that could not reach Redis: retried when it is back (else the lease ends them). */
  readonly #removals = new Map<string, Stored>();
  readonly #serial = new Serial();
  readonly #subs = new Subscriptions();
  readonly #readers = new Map<string, ServiceReader>();
  #clients: RedisClients | undefined;
  #connecting: Promise<RedisClients> | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #renewing = false;
  #everReady = false;
  #closed = false;

  constructor(options: RedisRegistryOptions | string) {
    this.settings = redisSettings(options);
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    const keys = serviceKeys(this.settings.prefix, r.service);
    const stored: Stored = { keys, id: `${this.owner} ${endpointAddress(r.endpoint)}`, json: encodeEntry(r, this.owner) };
    if (stored.json.length > MAX_ENTRY_BYTES) throw invalidArgument(`registration of ${r.service.interface} is larger than ${MAX_ENTRY_BYTES} bytes`);
    const rid = registrationId(r.service, r.endpoint);
    // Wanted from now on: if Redis is unreachable the promise rejects, but the entry is written as
    // soon as Redis is back (failback), until unregister or close.
    this.#registered.set(rid, stored);
    this.#removals.delete(rid);
    this.#startRenewing();
    const clients = await this.#connect();
    await clients.whenReady();
    await this.#serial.run(rid, () => this.#put(clients, rid, stored, true));
    await this.#readers.get(keys.tag)?.refresh();
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const held = takeHeld(this.#registered, registration);
    if (!held) return;
    if (this.#registered.size === 0) this.#stopRenewing();
    await this.#serial.run(held.id, () => this.#delete(held.id, held.value));
    await this.#readers.get(held.value.keys.tag)?.refresh();
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    await this.#connect();
    if (this.#closed) throw closedError(this.name);
    const sub = this.#subs.add(key, listener);
    const keys = serviceKeys(this.settings.prefix, key);
    let reader = this.#readers.get(keys.tag);
    if (!reader) {
      reader = new ServiceReader(key, keys, () => this.#clients, this.settings.refreshMs, (set) => {
        for (const s of this.#subs.forService(key)) s.offer(set);
      });
      this.#readers.set(keys.tag, reader);
      reader.start();
    }
    await reader.firstRead(this.settings.timeoutMs);
    if (this.#closed) throw closedError(this.name);
    // Unreachable Redis and nothing known yet: an empty set now, the real one when Redis answers.
    if (!sub.delivered) sub.offer(reader.set ?? EMPTY);
    return () => {
      if (!this.#subs.remove(sub) || this.#subs.forService(key).length > 0) return;
      this.#readers.get(keys.tag)?.stop();
      this.#readers.delete(keys.tag);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    for (const reader of this.#readers.values()) reader.stop();
    this.#readers.clear();
    this.#stopRenewing();
    const mine = [...this.#registered, ...this.#removals];
    this.#registered.clear();
    this.#removals.clear();
    const clients = this.#clients ?? (await this.#connecting?.catch(() => undefined));
    if (clients?.ready && mine.length > 0) {
      // Best effort within the timeout: whatever is not deleted lapses with its lease.
      await Promise.race([
        Promise.allSettled(mine.map(([rid, stored]) => this.#serial.run(rid, () => this.#delete(rid, stored)))),
        new Promise((resolve) => setTimeout(resolve, this.settings.timeoutMs).unref()),
      ]);
    }
    clients?.close();
  }

  /** Connections, created on first use (the ioredis module is loaded only then). */
  #connect(): Promise<RedisClients> {
    if (!this.#connecting) {
      this.#connecting = RedisClients.create(this.settings).then((clients) => {
        if (this.#closed) {
          clients.close();
          throw closedError(this.name);
        }
        this.#clients = clients;
        clients.on('ready', () => this.#onReady());
        // The subscriber was away: messages may have been missed. Subscribe (again: it is
        // idempotent, and ioredis's own re-subscription cannot be awaited), then read.
        clients.on('subscriber-ready', () => {
          const channels = [...this.#readers.values()].map((r) => r.keys.channel);
          void clients.subscribe(...channels).then(() => this.#refreshAll(), () => {});
        });
        clients.on('message', (channel: string) => this.#onMessage(channel));
        return clients;
      });
    }
    return this.#connecting;
  }

  /**
   * (Re)connected: restore what Redis may have lost (a restart without persistence), retry
   * deletions, re-read; after an outage, readers give providers one lease to renew (see
   * ServiceReader.regainedContact).
   */
  #onReady(): void {
    if (this.#everReady) {
      for (const reader of this.#readers.values()) reader.regainedContact(this.settings.leaseMs);
    }
    this.#everReady = true;
    for (const [rid, stored] of this.#removals) {
      void this.#serial.run(rid, () => this.#delete(rid, stored)).catch(() => {});
    }
    this.#renew();
    this.#refreshAll();
  }

  #onMessage(channel: string): void {
    // Channel `<prefix>:{<tag>}:changed`: find the reader by its tag.
    const open = channel.indexOf('{');
    const close = channel.lastIndexOf('}');
    if (open < 0 || close < open) return;
    void this.#readers.get(channel.slice(open + 1, close))?.refresh();
  }

  #refreshAll(): void {
    for (const reader of this.#readers.values()) void reader.refresh();
  }

  async #put(clients: RedisClients, rid: string, stored: Stored, strict: boolean): Promise<void> {
    // An unregister queued before this write ran wins: never resurrect an entry.
    if (this.#registered.get(rid) !== stored) return;
    try {
      const k = stored.keys;
      await clients.cmd.meshletPut(k.entries, k.leases, k.meta, k.gone, stored.id, stored.json, Math.round(this.settings.leaseMs), k.channel);
    } catch (err) {
      if (strict) throw toRpcError(err, Code.Unavailable);
    }
  }

  async #delete(rid: string, stored: Stored): Promise<void> {
    if (this.#registered.has(rid)) return; // registered again meanwhile
    const clients = this.#clients;
    try {
      if (!clients?.ready) throw new Error('not connected');
      const k = stored.keys;
      await clients.cmd.meshletDelete(k.entries, k.leases, k.meta, k.gone, stored.id, k.channel);
      this.#removals.delete(rid);
    } catch {
      if (!this.#closed) this.#removals.set(rid, stored);
    }
  }

  #startRenewing(): void {
    if (this.#renewTimer) return;
    this.#renewTimer = setInterval(() => this.#renew(), this.settings.renewMs);
    this.#renewTimer.unref();
  }

  #stopRenewing(): void {
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
  }

  /**
   * Extends every lease now (and rewrites entries Redis lost); the renew timer does this every
   * `renewMs`. Does nothing while Redis is unreachable or a round is already running.
   */
  async renew(): Promise<void> {
    const clients = this.#clients;
    if (this.#renewing || !clients?.ready || this.#registered.size === 0) return;
    this.#renewing = true;
    try {
      await Promise.allSettled([...this.#registered].map(([rid, stored]) => this.#serial.run(rid, () => this.#put(clients, rid, stored, false))));
    } finally {
      this.#renewing = false;
    }
  }

  #renew(): void {
    void this.renew();
  }
}
