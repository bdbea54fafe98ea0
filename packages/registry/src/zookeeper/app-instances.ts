import type { Registration } from '@meshlet/core';
import { AppRegistrations, type InstanceState } from '../app-level/registrations.js';
export { APP_PROTOCOLS } from '../app-level/registrations.js';
import { instanceJson, instancePath, mappingPath } from './app-layout.js';

/** What the registry keeps alive for one application instance. */
export interface InstanceNode {
  /** `/services/{app}/{host}:{port}` (before the chroot). */
  readonly path: string;
  readonly data: Buffer;
  /** The mapping nodes its interfaces need (`/dubbo/mapping/{interface}`). */
  readonly mappings: readonly string[];
  readonly application: string;
  /** The instance's previous node, when its port moved (a dubbo port joined): to be removed. */
  readonly replaces?: string;
}

/**
 * The application instances of this registry's registrations (app-level/registrations.ts) as
 * ZooKeeper nodes: each change answers the instance node as it must now be (or none).
 */
export class AppInstances {
  readonly #registrations = new AppRegistrations();

  static eligible(r: Registration): boolean {
    return AppRegistrations.eligible(r);
  }

  add(r: Registration): InstanceNode {
    const s = this.#registrations.add(r);
    return node(s, s.previousPort === undefined ? undefined : instancePath(s.application, s.host, s.previousPort));
  }

  /** The instance node after `r` left (at `path` until now); undefined when the instance has no registration left. */
  remove(r: Registration): { path: string; node: InstanceNode | undefined } | undefined {
    const left = this.#registrations.remove(r);
    if (!left) return undefined;
    const path = instancePath(r.application!, r.endpoint.host, left.port);
    const now = left.state && node(left.state);
    return { path, node: now && now.path !== path ? { ...now, replaces: path } : now };
  }
}

function node(s: InstanceState, replaces?: string): InstanceNode {
  return {
    path: instancePath(s.application, s.host, s.port),
    data: Buffer.from(instanceJson(s.application, s.host, s.port, s.revision, s.since, s.endpoints)),
    mappings: s.interfaces.map(mappingPath),
    application: s.application,
    ...(replaces === undefined ? {} : { replaces }),
  };
}
