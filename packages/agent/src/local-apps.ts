import { endpoint, endpointAddress, serviceKeyString, TLS_PARAM, type Registration, type Registry, type ServiceKey } from '@meshlet/core';
import { MemoryRegistry, serviceId } from '@meshlet/registry';
import { routeKey } from './keys.js';

/** Where other hosts reach this agent's ingress: the endpoint it registers for each local service. */
export interface IngressAddress {
  readonly host: string;
  readonly port: number;
  /** The ingress port takes TLS: registrations say so (`ssl-enabled=true`), so callers dial it with TLS. */
  readonly tls?: boolean | undefined;
}

/** How a registration reached the agent (its API flavour), shown by `/status` and `/registry/list`. */
export type Source = 'mosn' | 'json-url';

interface Local {
  readonly registration: Registration;
  readonly source: Source;
}

/**
 * The services local apps registered through the agent. Each one is kept twice: in a memory
 * registry the ingress runtime routes inbound calls from (the app's own address), and once per
 * (service, protocol) in the real registry at the agent's ingress address, so that remote callers
 * (and their agents) come here. The real registration goes when the last local instance does, and
 * `offline()` / `online()` take them all out and back (the motan agent's `/503` and `/200`).
 */
export class LocalApps {
  readonly local = new MemoryRegistry();
  readonly #apps = new Map<string, Local>();
  /** (service, protocol) → the real registration and how many local instances stand behind it. */
  readonly #published = new Map<string, { registration: Registration; count: number }>();
  #online: boolean;

  constructor(
    private readonly upstream: Registry,
    private readonly ingress: IngressAddress,
    private readonly application: string | undefined,
    online: boolean,
    private readonly warn: (message: string) => void,
  ) {
    this.#online = online;
  }

  get isOnline(): boolean {
    return this.#online;
  }

  list(): { registration: Registration; source: Source }[] {
    return [...this.#apps.values()].map((a) => ({ registration: a.registration, source: a.source }));
  }

  published(): Registration[] {
    return [...this.#published.values()].map((p) => p.registration);
  }

  /** Adds a local app's registration (idempotent); publishes the service upstream on its first instance. */
  async add(r: Registration, source: Source): Promise<void> {
    const registration: Registration = { ...r, service: routeKey(r.endpoint.protocol, r.service) };
    const id = registrationIdOf(registration);
    if (this.#apps.has(id)) return;
    this.#apps.set(id, { registration, source });
    await this.local.register(registration);
    const key = publishedKey(registration.service, registration.endpoint.protocol);
    const entry = this.#published.get(key);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    // What callers meet is the agent's ingress, not the app's port: its TLS is the one to advertise.
    const params = { ...registration.endpoint.params };
    params[TLS_PARAM] = this.ingress.tls ? 'true' : 'false';
    const published: Registration = {
      service: registration.service,
      endpoint: endpoint(registration.endpoint.protocol, this.ingress.host, this.ingress.port, params, registration.endpoint.weight),
      methods: registration.methods,
      application: registration.application ?? this.application,
    };
    this.#published.set(key, { registration: published, count: 1 });
    if (this.#online) await this.#publish(published);
  }

  /** Removes a local app's registration; withdraws the service upstream after its last instance. */
  async remove(r: Registration): Promise<boolean> {
    const registration: Registration = { ...r, service: routeKey(r.endpoint.protocol, r.service) };
    const id = registrationIdOf(registration);
    const app = this.#apps.get(id);
    if (app === undefined) return false;
    this.#apps.delete(id);
    await this.local.unregister(app.registration);
    const key = publishedKey(registration.service, registration.endpoint.protocol);
    const entry = this.#published.get(key);
    if (entry !== undefined && --entry.count === 0) {
      this.#published.delete(key);
      if (this.#online) await this.upstream.unregister(entry.registration).catch((err: unknown) => this.warn(`unregistering ${serviceKeyString(entry.registration.service)}: ${String((err as Error)?.message ?? err)}`));
    }
    return true;
  }

  /** Removes every registration of services matching `key` over `protocol` (a MOSN unpublish names no address). */
  async removeService(key: ServiceKey, protocol: string): Promise<number> {
    const k = serviceId(routeKey(protocol, key));
    const matching = [...this.#apps.values()].filter((a) => a.registration.endpoint.protocol === protocol && serviceId(a.registration.service) === k);
    for (const a of matching) await this.remove(a.registration);
    return matching.length;
  }

  async offline(): Promise<void> {
    if (!this.#online) return;
    this.#online = false;
    await Promise.allSettled(this.published().map((r) => this.upstream.unregister(r)));
  }

  async online(): Promise<void> {
    if (this.#online) return;
    this.#online = true;
    await Promise.all(this.published().map((r) => this.#publish(r)));
  }

  /** Withdraws everything upstream (the agent is stopping). */
  async close(): Promise<void> {
    await Promise.allSettled(this.published().map((r) => this.upstream.unregister(r)));
    await this.local.close();
  }

  /**
   * A real registry that is down does not fail the app's registration: Redis and ZooKeeper
   * registries keep what they were asked for and write it once they are back.
   */
  async #publish(r: Registration): Promise<void> {
    try {
      await this.upstream.register(r);
    } catch (err) {
      this.warn(`registering ${serviceKeyString(r.service)} in ${this.upstream.name}: ${String((err as Error)?.message ?? err)} (retried by the registry)`);
    }
  }
}

function registrationIdOf(r: Registration): string {
  return `${serviceId(r.service)} ${endpointAddress(r.endpoint)}`;
}

function publishedKey(service: ServiceKey, protocol: string): string {
  return `${protocol} ${serviceId(service)}`;
}
