import type { CallListener, ExportSnapshot, Meshlet, ReferenceSnapshot } from '@meshlet/core';
import type { MetricFamily } from './prometheus.js';

/** What `/status` answers, and what the dashboard draws. Agents add their own fields. */
export interface AdminStatus {
  readonly application: string | undefined;
  /** `direct`, `sidecar`, or `agent`. */
  readonly mode: string;
  readonly uptimeMs: number;
  /** The registry's name, undefined without one. */
  readonly registry: string | undefined;
  /** The registry's URL when it was given as one, its password masked. */
  readonly registryUrl?: string | undefined;
  readonly inFlight: { readonly client: number; readonly server: number };
  /** Exported services, one entry per protocol. */
  readonly services: readonly ExportSnapshot[];
  /** Referred services with their endpoints and what the registry lists for them. */
  readonly references: readonly ReferenceSnapshot[];
  readonly [extra: string]: unknown;
}

/** What an admin endpoint serves: a Meshlet runtime (`meshletTarget`) or an agent. */
export interface AdminTarget {
  status(): AdminStatus;
  /** Unregisters the matching services (all without a name), keeps serving; resolves with their names. */
  offline(service?: string): Promise<string[]>;
  online(service?: string): Promise<string[]>;
  /** Call records for `/metrics` and `/stats` (a target without them serves only its own metrics). */
  onCall?(listener: CallListener): () => void;
  /** Extra metric families of the target's own. */
  metrics?(): MetricFamily[];
  /**
   * The xDS client's state for `GET /xds` (an @meshlet/xds client: `{ status: client.status(), config:
   * client.dump() }`, CSDS' ClientConfig as JSON); undefined when the target runs no xDS client.
   */
  xds?(): unknown;
}

/** Serves a Meshlet runtime: its `introspect()`, `offline`/`online` and `onCall` hooks. */
export function meshletTarget(mesh: Meshlet, mode = 'direct', registryUrl?: string): AdminTarget {
  const url = registryUrl === undefined ? undefined : maskPassword(registryUrl);
  return {
    status() {
      const s = mesh.introspect();
      return {
        application: s.application, mode, uptimeMs: s.uptimeMs, registry: s.registry, registryUrl: url, state: s.state,
        inFlight: s.inFlight, services: s.exports, references: s.references,
      };
    },
    offline: (service) => mesh.offline(service),
    online: (service) => mesh.online(service),
    onCall: (listener) => mesh.onCall(listener),
  };
}

/** `redis://:secret@host` → `redis://:***@host`: the status page must not hand out credentials. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/]*@/i, '$1***@');
}
