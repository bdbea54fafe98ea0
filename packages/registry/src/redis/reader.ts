import type { Endpoint, ServiceKey } from '@meshlet/core';
import { endpointSet, sameService } from '../endpoint-set.js';
import { CoalescedReads, FirstReadWaiters } from '../serial.js';
import type { RedisClients, ReadReply } from './clients.js';
import { decodeEntry } from './entry.js';
import type { ServiceKeys } from './keys.js';

/** No revision equals this: the first read always returns the entries. */
const NONE = '-';
/** Read a little after the soonest lease deadline, so that entry is already expired then. */
const EXPIRY_SLACK_MS = 20;

/**
 * Keeps the live endpoint set of one service: reads on a change message, at the soonest lease
 * deadline (so a crashed provider disappears when its lease ends, not at the next poll), and at
 * least every `refreshMs` (a lost message heals itself). A read whose revision is unchanged costs
 * O(log n) on the server and no transfer. While Redis is unreachable nothing is read and the last
 * set stays; reads never overlap and requests during a read share the next one.
 */
export class ServiceReader {
  readonly service: ServiceKey;
  readonly keys: ServiceKeys;
  readonly #clients: () => RedisClients | undefined;
  readonly #refreshMs: number;
  readonly #onSet: (set: readonly Endpoint[]) => void;
  #revision = NONE;
  #set: readonly Endpoint[] | undefined;
  /** The live entries of the last full read, by entry id. */
  #current = new Map<string, Endpoint>();
  /** Entries live before contact was lost, kept until `#graceUntil` unless renewed (see regainedContact). */
  #held = new Map<string, Endpoint>();
  #graceUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #reads = new CoalescedReads(
    () => this.#read(),
    () => this.#schedule(this.#refreshMs),
  );
  #stopped = false;
  readonly #firstWaiters = new FirstReadWaiters();

  constructor(service: ServiceKey, keys: ServiceKeys, clients: () => RedisClients | undefined, refreshMs: number, onSet: (set: readonly Endpoint[]) => void) {
    this.service = service;
    this.keys = keys;
    this.#clients = clients;
    this.#refreshMs = refreshMs;
    this.#onSet = onSet;
  }

  /** The last set read, or undefined before the first successful read. */
  get set(): readonly Endpoint[] | undefined {
    return this.#set;
  }

  start(): void {
    void this.refresh();
    // Read again once subscribed: a change between the first read and the subscription is caught.
    this.#clients()
      ?.subscribe(this.keys.channel)
      .then(() => this.refresh())
      .catch(() => {});
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clients()?.unsubscribe(this.keys.channel);
    this.#firstWaiters.release();
  }

  /**
   * Contact with Redis is back after an outage. Providers could not renew meanwhile, so their
   * entries may have lapsed (or been lost with a Redis restart) although they are alive; each
   * renews within a moment of reconnecting. For `graceMs` the set therefore only grows: entries
   * known before the outage stay until renewed or until the grace ends. Without this, consumers
   * would briefly see no providers after every Redis restart.
   */
  regainedContact(graceMs: number): void {
    if (this.#set === undefined || this.#stopped) return;
    for (const [id, e] of this.#current) this.#held.set(id, e);
    this.#graceUntil = Date.now() + graceMs;
    this.#schedule(graceMs + EXPIRY_SLACK_MS);
  }

  /** Resolves after the first successful read, or after `timeoutMs` (whatever is known by then stands). */
  firstRead(timeoutMs: number): Promise<void> {
    if (this.#set !== undefined || this.#stopped) return Promise.resolve();
    return this.#firstWaiters.wait(timeoutMs);
  }

  /** Resolves after a read that started after this call (or was skipped: Redis unreachable). */
  refresh(): Promise<void> {
    return this.#reads.refresh();
  }

  async #read(): Promise<void> {
    const clients = this.#clients();
    if (this.#stopped) return;
    if (!clients?.ready) {
      // Nothing to do until `ready`, which refreshes every reader.
      this.#schedule(this.#refreshMs);
      return;
    }
    const k = this.keys;
    const reply: ReadReply = await clients.cmd.meshletRead(k.entries, k.leases, k.meta, k.gone, k.channel, this.#revision);
    if (this.#stopped) return;
    const [revision, now, soonest, entries, leases, gone] = reply;
    const graceOver = this.#held.size > 0 && Date.now() >= this.#graceUntil;
    if (graceOver) this.#held.clear();
    if (entries !== undefined && leases !== undefined) {
      this.#revision = revision;
      this.#current = this.#decode(Number(now), entries, leases);
      // Cleanly unregistered: no reason to hold it through the grace.
      for (const id of gone ?? []) this.#held.delete(id);
    }
    if (entries !== undefined || graceOver || this.#set === undefined) {
      const all = [...this.#current.values()];
      for (const [id, e] of this.#held) if (!this.#current.has(id)) all.push(e);
      this.#set = endpointSet(all);
      this.#onSet(this.#set);
      this.#firstWaiters.release();
    }
    const untilExpiry = soonest === '' ? Infinity : Number(soonest) - Number(now) + EXPIRY_SLACK_MS;
    this.#schedule(Math.max(EXPIRY_SLACK_MS, Math.min(this.#refreshMs, untilExpiry)));
  }

  #decode(now: number, entries: string[], leases: string[]): Map<string, Endpoint> {
    const deadline = new Map<string, number>();
    for (let i = 0; i + 1 < leases.length; i += 2) deadline.set(leases[i] as string, Number(leases[i + 1]));
    const live = new Map<string, Endpoint>();
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const id = entries[i] as string;
      const until = deadline.get(id);
      if (until === undefined || until <= now) continue;
      const registration = decodeEntry(entries[i + 1] as string);
      // An entry for another key under this tag can only be forged: ignore it.
      if (registration && sameService(registration.service, this.service)) live.set(id, registration.endpoint);
    }
    return live;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), ms);
    this.#timer.unref();
  }
}
