import { APP_LEVEL_PROTOCOLS, dubboMetadataInfo, type Registration } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';

/**
 * The protocols a Dubbo 3 application instance lists in `dubbo.endpoints` and describes in its
 * MetadataInfo, in the order Java Dubbo 3.3.6 writes them (captured from a provider exporting
 * both: `[{"port":D,"protocol":"dubbo"},{"port":T,"protocol":"tri"}]`).
 */
export const APP_PROTOCOLS: readonly string[] = APP_LEVEL_PROTOCOLS;

/** One entry of `dubbo.endpoints`. */
export interface InstanceEndpoint {
  readonly port: number;
  readonly protocol: string;
}

/** One application instance as it must now be registered: its revision covers all its services. */
export interface InstanceState {
  readonly application: string;
  readonly host: string;
  /** The instance's own port (its id `{host}:{port}`): the dubbo port, else the tri port, as in Java. */
  readonly port: number;
  readonly revision: string;
  /** When the instance was first registered (Dubbo's `timestamp`). */
  readonly since: number;
  /** The interfaces it provides: each needs the interface → application mapping. */
  readonly interfaces: readonly string[];
  /** Each protocol's port (`dubbo.endpoints`), in Java's order. */
  readonly endpoints: readonly InstanceEndpoint[];
}

interface Entry {
  readonly registrations: Map<string, Registration>;
  readonly since: number;
  /** The port the instance is registered under now (it moves when a dubbo port joins or leaves). */
  port: number;
}

/**
 * The application instances of a registry's registrations: one per (application, host), as a
 * Java process is one instance whatever protocols it exports. Its dubbo and tri registrations are
 * its services; its port is the dubbo port (the tri port when it exports tri alone). A
 * registration changes its instance's revision, so each change answers the instance as it must now
 * be (or none, when its last registration left). Registry-neutral: ZooKeeper writes the state as a
 * node, Nacos as an instance of the application's service.
 */
export class AppRegistrations {
  readonly #byInstance = new Map<string, Entry>();

  /** Dubbo and Triple registrations with an application name have an instance (Dubbo requires the name). */
  static eligible(r: Registration): boolean {
    return APP_PROTOCOLS.includes(r.endpoint.protocol) && !!r.application;
  }

  /** The instance after `r` joined; `previousPort` when it was registered under another port until now. */
  add(r: Registration): InstanceState & { readonly previousPort?: number } {
    const key = instanceKey(r);
    let entry = this.#byInstance.get(key);
    if (!entry) this.#byInstance.set(key, (entry = { registrations: new Map(), since: Date.now(), port: r.endpoint.port }));
    entry.registrations.set(registrationId(r.service, r.endpoint), r);
    const before = entry.port;
    const s = state(r, entry);
    return before === s.port ? s : { ...s, previousPort: before };
  }

  /**
   * The instance after `r` left: `state` undefined when it has no registration left; `port` is
   * where it was registered until now. Undefined when `r` was not registered here.
   */
  remove(r: Registration): { id: string; port: number; state: InstanceState | undefined } | undefined {
    const key = instanceKey(r);
    const entry = this.#byInstance.get(key);
    if (!entry || !entry.registrations.delete(registrationId(r.service, r.endpoint))) return undefined;
    const port = entry.port;
    if (entry.registrations.size === 0) {
      this.#byInstance.delete(key);
      return { id: key, port, state: undefined };
    }
    return { id: key, port, state: state(r, entry) };
  }
}

/** The key of `r`'s instance: application and host. */
export function instanceKey(r: Registration): string {
  return `${r.application}\u0000${r.endpoint.host}`;
}

function state(r: Registration, entry: Entry): InstanceState {
  const application = r.application!;
  const all = [...entry.registrations.values()];
  const endpoints: InstanceEndpoint[] = [];
  for (const protocol of APP_PROTOCOLS) {
    // One port per protocol, as Java's map of protocol → port keeps (a runtime listens once per protocol).
    const ports = all.filter((x) => x.endpoint.protocol === protocol).map((x) => x.endpoint.port);
    if (ports.length > 0) endpoints.push({ port: Math.min(...ports), protocol });
  }
  entry.port = endpoints[0]!.port;
  return {
    application, host: r.endpoint.host, port: entry.port,
    revision: dubboMetadataInfo(application, all).revision,
    since: entry.since,
    interfaces: [...new Set(all.map((x) => x.service.interface))],
    endpoints,
  };
}
