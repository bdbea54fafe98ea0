import type { Endpoint, EndpointListener, Registration, Registry, ServiceKey } from '@meshlet/core';
import { serviceId } from '@meshlet/registry';

/**
 * The agent's real registry, watched: it passes everything through and remembers the last
 * endpoint set delivered per service, for `/status` (what the agent routes to right now).
 */
export class ObservedRegistry implements Registry {
  readonly name: string;
  readonly #sets = new Map<string, { service: ServiceKey; endpoints: readonly Endpoint[] }>();

  constructor(readonly inner: Registry) {
    this.name = inner.name;
  }

  register(r: Registration): Promise<void> {
    return this.inner.register(r);
  }

  unregister(r: Registration): Promise<void> {
    return this.inner.unregister(r);
  }

  subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    const id = serviceId(service);
    const key = { interface: service.interface, version: service.version, group: service.group };
    return this.inner.subscribe(service, (endpoints) => {
      this.#sets.set(id, { service: key, endpoints });
      listener(endpoints);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The last set seen per service. */
  sets(): { service: ServiceKey; endpoints: readonly Endpoint[] }[] {
    return [...this.#sets.values()];
  }
}
