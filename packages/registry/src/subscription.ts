import type { Endpoint, EndpointListener, ServiceKey } from '@meshlet/core';
import { sameEndpoints, serviceId } from './endpoint-set.js';

/**
 * One listener on one service. `offer` delivers a canonical set unless it equals the last one
 * delivered, so listeners never see the same set twice in a row. The first offer is always
 * delivered, even when empty.
 */
export class Subscription {
  readonly service: ServiceKey;
  readonly id: string;
  #listener: EndpointListener;
  #last: readonly Endpoint[] | undefined;
  #active = true;

  constructor(service: ServiceKey, listener: EndpointListener) {
    this.service = service;
    this.id = serviceId(service);
    this.#listener = listener;
  }

  get active(): boolean {
    return this.#active;
  }

  /** True once the first set went out. */
  get delivered(): boolean {
    return this.#last !== undefined;
  }

  offer(endpoints: readonly Endpoint[]): void {
    if (!this.#active) return;
    if (this.#last !== undefined && sameEndpoints(this.#last, endpoints)) return;
    // Recorded before the call: a listener that changes the registry re-enters `offer` with the newer set.
    this.#last = endpoints;
    try {
      this.#listener(endpoints);
    } catch (err) {
      reportListenerError(err);
    }
  }

  cancel(): void {
    this.#active = false;
  }
}

/** A listener's exception must not stop deliveries to the others, nor fail the registry call that caused it. */
function reportListenerError(err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  process.emitWarning(`registry listener threw: ${error.message}`, {
    type: 'MeshletRegistryWarning',
    code: 'MESHLET_REGISTRY_LISTENER',
    detail: error.stack,
  });
}

/** The subscriptions of one registry, indexed by exact service key. */
export class Subscriptions {
  #byService = new Map<string, Set<Subscription>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(service: ServiceKey, listener: EndpointListener): Subscription {
    const sub = new Subscription(service, listener);
    let set = this.#byService.get(sub.id);
    if (!set) this.#byService.set(sub.id, (set = new Set()));
    set.add(sub);
    this.#size++;
    return sub;
  }

  /** Cancels and forgets `sub`; true when it was still here. */
  remove(sub: Subscription): boolean {
    sub.cancel();
    const set = this.#byService.get(sub.id);
    if (!set?.delete(sub)) return false;
    if (set.size === 0) this.#byService.delete(sub.id);
    this.#size--;
    return true;
  }

  /** A snapshot, safe to iterate while listeners subscribe and unsubscribe. */
  forService(service: ServiceKey): Subscription[] {
    const set = this.#byService.get(serviceId(service));
    return set ? [...set] : [];
  }

  all(): Subscription[] {
    const out: Subscription[] = [];
    for (const set of this.#byService.values()) out.push(...set);
    return out;
  }

  clear(): void {
    for (const sub of this.all()) sub.cancel();
    this.#byService.clear();
    this.#size = 0;
  }
}
