import { dubboMetadataInfo, type Registration } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';
import { instanceJson, instancePath, mappingPath } from './app-layout.js';
import type { RegisterMode } from './discovery-modes.js';


/** What the registry keeps alive for one application instance. */
export interface InstanceNode {
  /** `/services/{app}/{host}:{port}` (before the chroot). */
  readonly path: string;
  readonly data: Buffer;
  /** The mapping nodes its interfaces need (`/dubbo/mapping/{interface}`). */
  readonly mappings: readonly string[];
  readonly application: string;
}

/**
 * The application instances of this registry's registrations: one per (application, host, dubbo
 * port), whose node data carries the revision of all its services. A registration changes its
 * instance's revision, so each change answers the instance node as it must now be (or none).
 */
export class AppInstances {
  readonly #byInstance = new Map<string, { registrations: Map<string, Registration>; since: number }>();

  /** Only Dubbo registrations with an application name have an instance (Dubbo requires the name). */
  static eligible(r: Registration): boolean {
    return r.endpoint.protocol === 'dubbo' && !!r.application;
  }

  add(r: Registration): InstanceNode {
    const key = instanceKey(r);
    let entry = this.#byInstance.get(key);
    if (!entry) this.#byInstance.set(key, (entry = { registrations: new Map(), since: Date.now() }));
    entry.registrations.set(registrationId(r.service, r.endpoint), r);
    return this.#node(r, entry)!;
  }

  /** The instance node after `r` left; undefined when the instance has no registration left. */
  remove(r: Registration): { path: string; node: InstanceNode | undefined } | undefined {
    const key = instanceKey(r);
    const entry = this.#byInstance.get(key);
    if (!entry || !entry.registrations.delete(registrationId(r.service, r.endpoint))) return undefined;
    const path = instancePath(r.application!, r.endpoint.host, r.endpoint.port);
    if (entry.registrations.size === 0) {
      this.#byInstance.delete(key);
      return { path, node: undefined };
    }
    return { path, node: this.#node(r, entry) };
  }

  #node(r: Registration, entry: { registrations: Map<string, Registration>; since: number }): InstanceNode | undefined {
    const application = r.application!;
    const all = [...entry.registrations.values()];
    const { revision } = dubboMetadataInfo(application, all);
    return {
      path: instancePath(application, r.endpoint.host, r.endpoint.port),
      data: Buffer.from(instanceJson(application, r.endpoint.host, r.endpoint.port, revision, entry.since)),
      mappings: [...new Set(all.map((x) => mappingPath(x.service.interface)))],
      application,
    };
  }
}

function instanceKey(r: Registration): string {
  return `${r.application}\u0000${r.endpoint.host}\u0000${r.endpoint.port}`;
}
