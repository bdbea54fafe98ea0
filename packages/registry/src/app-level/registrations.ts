import { dubboMetadataInfo, type Registration } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';

/** One application instance as it must now be registered: its revision covers all its services. */
export interface InstanceState {
  readonly application: string;
  readonly host: string;
  readonly port: number;
  readonly revision: string;
  /** When the instance was first registered (Dubbo's `timestamp`). */
  readonly since: number;
  /** The interfaces it provides: each needs the interface → application mapping. */
  readonly interfaces: readonly string[];
}

/**
 * The application instances of a registry's registrations: one per (application, host, dubbo
 * port). A registration changes its instance's revision, so each change answers the instance as
 * it must now be (or none, when its last registration left). Registry-neutral: ZooKeeper writes
 * the state as a node, Nacos as an instance of the application's service.
 */
export class AppRegistrations {
  readonly #byInstance = new Map<string, { registrations: Map<string, Registration>; since: number }>();

  /** Only Dubbo registrations with an application name have an instance (Dubbo requires the name). */
  static eligible(r: Registration): boolean {
    return r.endpoint.protocol === 'dubbo' && !!r.application;
  }

  add(r: Registration): InstanceState {
    const key = instanceKey(r);
    let entry = this.#byInstance.get(key);
    if (!entry) this.#byInstance.set(key, (entry = { registrations: new Map(), since: Date.now() }));
    entry.registrations.set(registrationId(r.service, r.endpoint), r);
    return state(r, entry);
  }

  /**
   * The instance after `r` left: `state` undefined when it has no registration left; undefined
   * when `r` was not registered here.
   */
  remove(r: Registration): { id: string; state: InstanceState | undefined } | undefined {
    const key = instanceKey(r);
    const entry = this.#byInstance.get(key);
    if (!entry || !entry.registrations.delete(registrationId(r.service, r.endpoint))) return undefined;
    if (entry.registrations.size === 0) {
      this.#byInstance.delete(key);
      return { id: key, state: undefined };
    }
    return { id: key, state: state(r, entry) };
  }
}

/** The key of `r`'s instance: application, host and port. */
export function instanceKey(r: Registration): string {
  return `${r.application}\u0000${r.endpoint.host}\u0000${r.endpoint.port}`;
}

function state(r: Registration, entry: { registrations: Map<string, Registration>; since: number }): InstanceState {
  const application = r.application!;
  const all = [...entry.registrations.values()];
  return {
    application, host: r.endpoint.host, port: r.endpoint.port,
    revision: dubboMetadataInfo(application, all).revision,
    since: entry.since,
    interfaces: [...new Set(all.map((x) => x.service.interface))],
  };
}
