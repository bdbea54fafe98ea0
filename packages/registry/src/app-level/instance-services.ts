import { endpoint, type Endpoint, type MetadataFetcher, type ServiceKey } from '@meshlet/core';
import { endpointSet } from '../endpoint-set.js';
import type { Migration } from '../zookeeper/discovery-modes.js';
import { instanceEndpointPort, type AppInstance } from './instance.js';
import { APP_PROTOCOLS } from './registrations.js';

export type InstanceServices = Awaited<ReturnType<MetadataFetcher>>;

/**
 * What each application instance provides, as a Dubbo 3 consumer learns it: the instance's
 * MetadataService answers `getMetadataInfo(revision)`, fetched once per application and revision
 * (every instance of one revision provides the same services). A failed or empty answer is not
 * kept: it is asked again on the next read and, backing off from 0.5 s to 30 s, by `retry`.
 */
export class InstanceServicesCache {
  readonly #fetch: MetadataFetcher;
  readonly #retry: () => void;
  readonly #byRevision = new Map<string, Promise<InstanceServices>>();
  /** Failed fetches per application and revision in a row: the retry's backoff. */
  readonly #failures = new Map<string, number>();
  #stopped = false;

  constructor(fetch: MetadataFetcher, retry: () => void) {
    this.#fetch = fetch;
    this.#retry = retry;
  }

  /** Each instance with its services (null when its MetadataService did not tell). */
  resolve(instances: readonly AppInstance[]): Promise<{ instance: AppInstance; services: InstanceServices }[]> {
    return Promise.all(instances.map(async (instance) => ({ instance, services: await this.#servicesOf(instance) })));
  }

  stop(): void {
    this.#stopped = true;
  }

  #servicesOf(instance: AppInstance): Promise<InstanceServices> {
    const key = `${instance.application}\u0000${instance.revision}`;
    let pending = this.#byRevision.get(key);
    if (pending) return pending;
    pending = this.#fetch({
      application: instance.application, host: instance.host, revision: instance.revision,
      port: instance.metadataService.port, protocol: instance.metadataService.protocol,
    }).catch(() => null);
    this.#byRevision.set(key, pending);
    void pending.then((s) => {
      if (s) {
        this.#failures.delete(key);
        return;
      }
      this.#byRevision.delete(key);
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      if (!this.#stopped) setTimeout(() => this.#stopped || this.#retry(), Math.min(500 * 2 ** (n - 1), 30_000)).unref();
    });
    return pending;
  }
}

/**
 * The endpoints of instances whose metadata lists a service `matches` accepts for `wanted`: the
 * instance's host, the protocol's port, the service's parameters and weight.
 */
export function appEndpoints(
  instances: readonly { instance: AppInstance; services: InstanceServices }[],
  wanted: ServiceKey,
  matches: (wanted: ServiceKey, provided: ServiceKey) => boolean,
): Endpoint[] {
  const out: Endpoint[] = [];
  for (const { instance, services } of instances) {
    for (const s of Object.values(services?.services ?? {})) {
      const provided: ServiceKey = { interface: s.name, ...(s.version ? { version: s.version } : {}), ...(s.group ? { group: s.group } : {}) };
      if (!matches(wanted, provided)) continue;
      const weight = Number(s.params.weight ?? 100);
      out.push(endpoint(s.protocol, instance.host, instanceEndpointPort(instance, s.protocol, s.port), s.params, Number.isFinite(weight) && weight >= 0 ? weight : 100));
    }
  }
  return out;
}

/**
 * Dubbo 3's migration rule over both levels' endpoints: FORCE_APPLICATION uses the application
 * level for dubbo and tri endpoints, APPLICATION_FIRST uses it for a protocol when it found any of
 * that protocol (Dubbo 3's default comparator) and the interface level otherwise. Other protocols' endpoints always come from the
 * interface level.
 */
export function migrate(interfaceLevel: readonly Endpoint[], appLevel: readonly Endpoint[] | undefined, migration: Migration): readonly Endpoint[] {
  if (appLevel === undefined || migration === 'FORCE_INTERFACE') return endpointSet([...interfaceLevel]);
  // Per protocol, as a Dubbo reference (one protocol each) migrates: instances that list only
  // dubbo do not hide the interface level's tri providers under APPLICATION_FIRST.
  const first = migration === 'APPLICATION_FIRST';
  const found = new Set(appLevel.map((e) => e.protocol));
  return endpointSet([...interfaceLevel.filter((e) => !APP_PROTOCOLS.includes(e.protocol) || (first && !found.has(e.protocol))), ...appLevel]);
}
