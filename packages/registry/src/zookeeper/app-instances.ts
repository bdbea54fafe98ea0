import type { Registration } from '@meshlet/core';
import { AppRegistrations, type InstanceState } from '../app-level/registrations.js';
import { instanceJson, instancePath, mappingPath } from './app-layout.js';

/** The protocols an application instance lists (`dubbo.endpoints`) and its MetadataInfo describes. */
export const APP_PROTOCOLS: ReadonlySet<string> = new Set(['dubbo', 'tri']);

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
 * The application instances of this registry's registrations (app-level/registrations.ts) as
 * ZooKeeper nodes: each change answers the instance node as it must now be (or none).
 */
export class AppInstances {
  readonly #registrations = new AppRegistrations();

  static eligible(r: Registration): boolean {
    return AppRegistrations.eligible(r);
  }

  add(r: Registration): InstanceNode {
    return node(this.#registrations.add(r));
  }

  /** The instance node after `r` left; undefined when the instance has no registration left. */
  remove(r: Registration): { path: string; node: InstanceNode | undefined } | undefined {
    const left = this.#registrations.remove(r);
    if (!left) return undefined;
    return { path: instancePath(r.application!, r.endpoint.host, r.endpoint.port), node: left.state && node(left.state) };
  }
}

function node(s: InstanceState): InstanceNode {
  return {
    path: instancePath(s.application, s.host, s.port),
    data: Buffer.from(instanceJson(s.application, s.host, s.port, s.revision, s.since)),
    mappings: s.interfaces.map(mappingPath),
    application: s.application,
  };
}
