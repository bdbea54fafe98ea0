import { endpointAddress, type Endpoint, type EndpointListener, type Registration, type Registry, type ServiceKey } from '@meshlet/core';
import { endpointSet, registrationId, serviceId } from './endpoint-set.js';
import { takeHeld } from './held.js';
import { Subscriptions, type Subscription } from './subscription.js';
import { checkRegistration, checkServiceKey, closedError } from './validate.js';

/**
 * In-process registrations and subscriptions. Several `MemoryRegistry` objects may share one
 * store; each owns what it registered. Deliveries are synchronous: when `register` resolves,
 * every subscriber of that service has seen the new set.
 */
export class MemoryStore {
  readonly name: string | undefined;
  /** serviceId → (owner + address) → endpoint. */
  #endpoints = new Map<string, Map<string, Endpoint>>();
  #subs = new Subscriptions();

  constructor(name?: string) {
    this.name = name;
  }

  put(owner: number, registration: Registration): void {
    const id = serviceId(registration.service);
    let entries = this.#endpoints.get(id);
    if (!entries) this.#endpoints.set(id, (entries = new Map()));
    entries.set(entryKey(owner, registration.endpoint), registration.endpoint);
    this.#notify(registration.service);
  }

  delete(owner: number, registration: Registration): void {
    this.deleteAll(owner, [registration]);
  }

  /** Removes several registrations, then notifies each affected service once. */
  deleteAll(owner: number, registrations: Iterable<Registration>): void {
    const changed = new Map<string, ServiceKey>();
    for (const r of registrations) {
      const id = serviceId(r.service);
      const entries = this.#endpoints.get(id);
      if (!entries?.delete(entryKey(owner, r.endpoint))) continue;
      if (entries.size === 0) this.#endpoints.delete(id);
      changed.set(id, r.service);
    }
    for (const service of changed.values()) this.#notify(service);
  }

  endpoints(service: ServiceKey): readonly Endpoint[] {
    return endpointSet(this.#endpoints.get(serviceId(service))?.values() ?? []);
  }

  subscribe(service: ServiceKey, listener: EndpointListener): Subscription {
    const sub = this.#subs.add(service, listener);
    sub.offer(this.endpoints(service));
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    this.#subs.remove(sub);
  }

  #notify(service: ServiceKey): void {
    // The set is computed per subscriber at delivery time, so a listener that registers something
    // re-entrantly cannot make a later subscriber receive a stale set.
    for (const sub of this.#subs.forService(service)) sub.offer(this.endpoints(sub.service));
  }
}

function entryKey(owner: number, endpoint: Endpoint): string {
  return `${owner} ${endpointAddress(endpoint)}`;
}

const SHARED = Symbol.for('meshlet.registry.memory.stores');

/**
 * The process-wide store called `name` (`memory://name`). Kept on `globalThis` so that two copies of
 * this package in one process still share it.
 */
export function sharedMemoryStore(name: string): MemoryStore {
  const g = globalThis as { [SHARED]?: Map<string, MemoryStore> };
  const stores = (g[SHARED] ??= new Map());
  let store = stores.get(name);
  if (!store) stores.set(name, (store = new MemoryStore(name)));
  return store;
}

export interface MemoryRegistryOptions {
  /** A store to share, or the name of a process-wide shared store. Default: a new private store. */
  readonly store?: MemoryStore | string;
}

let nextOwner = 1;

/** The `memory` registry: in-process, for tests and single-process apps. */
export class MemoryRegistry implements Registry {
  readonly name = 'memory';
  readonly store: MemoryStore;
  readonly #owner = nextOwner++;
  readonly #registered = new Map<string, Registration>();
  readonly #subs = new Set<Subscription>();
  #closed = false;

  constructor(options: MemoryRegistryOptions = {}) {
    const store = options.store;
    this.store = store instanceof MemoryStore ? store : store === undefined ? new MemoryStore() : sharedMemoryStore(store);
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    this.#registered.set(registrationId(r.service, r.endpoint), r);
    this.store.put(this.#owner, r);
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const mine = takeHeld(this.#registered, registration);
    if (mine) this.store.delete(this.#owner, mine.value);
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    const sub = this.store.subscribe(key, listener);
    this.#subs.add(sub);
    return () => {
      this.#subs.delete(sub);
      this.store.unsubscribe(sub);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subs) this.store.unsubscribe(sub);
    this.#subs.clear();
    const mine = [...this.#registered.values()];
    this.#registered.clear();
    this.store.deleteAll(this.#owner, mine);
  }
}
