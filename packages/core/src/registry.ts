import type { Endpoint } from './endpoint.js';
import type { ServiceKey } from './service-key.js';

/** What a provider publishes: one service at one endpoint. */
export interface Registration {
  readonly service: ServiceKey;
  readonly endpoint: Endpoint;
  /** Java method names, for registries whose layout lists them (Dubbo's `methods=`). */
  readonly methods: readonly string[];
  /** Application name of the provider. */
  readonly application?: string | undefined;
}

/** Receives the complete current endpoint set each time it changes. */
export type EndpointListener = (endpoints: readonly Endpoint[]) => void;

/**
 * Who subscribes, for registries whose ecosystem lists its consumers (Dubbo's
 * `/dubbo/{interface}/consumers`, read by dubbo-admin). Registries without such a list ignore it.
 */
export interface Subscriber {
  readonly protocol: string;
  readonly application?: string | undefined;
  /** The referred service's method names. */
  readonly methods?: readonly string[] | undefined;
}

/**
 * Service discovery. `subscribe` delivers full sets, never diffs, and keeps delivering the last
 * known set through registry outages: consumers serve from it until the registry is back.
 */
export interface Registry {
  readonly name: string;
  register(registration: Registration): Promise<void>;
  unregister(registration: Registration): Promise<void>;
  /**
   * Calls `listener` with the current set as soon as it is known, then on every change.
   * Resolves once the first set was delivered; the returned function stops the subscription.
   */
  subscribe(service: ServiceKey, listener: EndpointListener, subscriber?: Subscriber): Promise<() => void>;
  /** Unregisters everything this registry registered, then releases its resources. */
  close(): Promise<void>;
  /**
   * For registries with Dubbo 3 application-level discovery: how to read an instance's services
   * (its MetadataService's `getMetadataInfo(revision)`). The runtime installs one that calls over
   * its own clients; without one such a registry discovers by interface only.
   */
  useMetadataFetcher?(fetch: MetadataFetcher): void;
}

/** A Dubbo 3 application instance whose MetadataInfo a registry wants. */
export interface MetadataInstance {
  readonly application: string;
  readonly host: string;
  /** The MetadataService's port and protocol, from the instance's metadata. */
  readonly port: number;
  readonly protocol: string;
  readonly revision: string;
}

/** One service of an instance's MetadataInfo, as the registry reads it. */
export interface InstanceServiceInfo {
  readonly name: string;
  readonly group: string | null;
  readonly version: string | null;
  readonly protocol: string;
  readonly port: number;
  readonly params: Readonly<Record<string, string>>;
}

/** Resolves with the instance's services (null when it does not know the revision); rejects when unreachable. */
export type MetadataFetcher = (instance: MetadataInstance) => Promise<{ readonly services: Readonly<Record<string, InstanceServiceInfo>> } | null>;
