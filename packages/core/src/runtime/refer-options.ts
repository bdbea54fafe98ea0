import type { ClusterStrategy } from './cluster.js';

// Its own module because the generic service (generic/service.ts) takes a subset of it and the
// runtime (meshlet.ts) builds generic services: both import it from here, not from each other.

/** How one reference (`refer`) finds and calls its providers. */
export interface ReferOptions {
  readonly version?: string;
  readonly group?: string;
  readonly protocol?: string;
  /** Direct addresses (`host:port`, comma-separated or a list), bypassing the registry. */
  readonly url?: string | readonly string[];
  readonly timeout?: number;
  /** Sent with every call (string values only, as Java reads them). */
  readonly attachments?: Readonly<Record<string, string>>;
  /** Failure handling: `failover` (default), `failfast`, `failsafe`, `forking`. */
  readonly cluster?: ClusterStrategy;
  /** Extra attempts for failover (2). */
  readonly retries?: number;
  /** Parallel attempts for forking (2). */
  readonly forks?: number;
  /** Connections per provider address for this reference (else the endpoint URL's `connections=`, else the runtime's). */
  readonly connections?: number;
}
