import type { EndpointBreakers } from '../breakers.js';
import { definitionOfClass } from '../decorators.js';
import { endpoint, endpointAddress, parseEndpoint, type Endpoint } from '../endpoint.js';
import { Code, RpcError, toRpcError } from '../errors.js';
import { applyInterceptors, type Interceptor, type Invoker } from '../interceptor.js';
import { roundRobin, type EndpointSetChooser, type LoadBalancer } from '../load-balancer.js';
import type { ClientOptions, Protocol, ProtocolServer, ServerOptions } from '../protocol.js';
import type { Registration, Registry } from '../registry.js';
import { TLS_PARAM } from '../provider-url.js';
import {
  serviceDefinition, type ClientOfSpec, type ImplOfSpec, type MethodSpec, type ServiceDefinition, type TypedServiceDefinition,
} from '../service.js';
import { advertiseHost, advertisePort, bindHost } from './advertise.js';
import { admitting } from './admit.js';
import { ClientPool } from './client-pool.js';
import { checkConnections } from './connections.js';
import { clusterInvoker, type ClusterStrategy } from './cluster.js';
import type { ReferOptions } from './refer-options.js';
import { Directory } from './directory.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import type { MeshControl } from './mesh-control.js';
import { MeshInvoker } from './mesh-invoker.js';
import type { Router, TagRules } from './router.js';
import { createLoadBalancer } from '../plugins/balancers.js';
import { resolveProtocols } from '../plugins/protocols.js';
import { createRouter, DEFAULT_ROUTER } from '../plugins/routers.js';
import { RoutingRules } from '../routing/rules.js';
import type { ConditionRule, TagRule } from '../routing/rule-doc.js';
import type { ConfigSource } from '../config-source.js';
import { localAddress } from './local-address.js';
import { ExportTable } from './exports.js';
import { createProxy } from './proxy.js';
import { CallTap, matchesService, type CallListener, type RuntimeSnapshot } from './introspect.js';
import { serviceKeyString } from '../service-key.js';
import { genericService, type GenericOptions, type GenericService } from '../generic/service.js';
import { METADATA_SERVICE, metadataServiceDefinitions, metadataServiceImpl } from '../generic/metadata-service.js';
import { APP_LEVEL_PROTOCOLS } from '../generic/metadata-info.js';
import { metadataFetcher } from '../generic/metadata-fetcher.js';

export interface RuntimeOptions {
  /** Application name, published with registrations and sent to peers. Env: `MESHLET_APP`. */
  readonly application?: string;
  /** Where providers are published and found. Without one, only `refer(…, { url })` works. */
  readonly registry?: Registry;
  /**
   * The wire protocols this runtime speaks; the first is the default. A name stands for the protocol
   * registered under it (`registerProtocol`), made with its default options.
   */
  readonly protocols: readonly (Protocol | string)[];
  /** Server settings; `port` may be per protocol. */
  readonly server?: Omit<ServerOptions, 'port' | 'application'> & { port?: number | Readonly<Record<string, number>> };
  readonly client?: Omit<ClientOptions, 'application'>;
  /** Client interceptors, outermost first. */
  readonly interceptors?: readonly Interceptor[];
  /** Server interceptors, outermost first. */
  readonly serverInterceptors?: readonly Interceptor[];
  /** Default per-call timeout, ms (3000). */
  readonly timeout?: number;
  /**
   * Chooses an endpoint per call (round robin by default). A factory: each reference gets its own;
   * or the name of a registered balancer (`registerLoadBalancer`; `@meshlet/lb` registers p2c & co).
   */
  readonly loadBalancer?: (() => LoadBalancer) | string;
  /** How long `stop()` lets in-flight calls finish, ms (10 000). */
  readonly gracePeriod?: number;
  /** Default failure handling of references (`failover`). */
  readonly cluster?: ClusterStrategy;
  /** Caps retries across all references of this runtime. */
  readonly retryBudget?: RetryBudgetOptions;
  /** Tag routing (canary / gray release); change at run time with `setRoutes`. */
  readonly routes?: TagRules;
  /**
   * Narrows each call's endpoints before the balancer picks: a `Router`, or the name of a registered
   * one (`registerRouter`), made with this runtime's `routes`. Default: `'tag'`, the tag router.
   */
  readonly router?: Router | string;
  /** Per-endpoint circuit breakers, one set per reference (e.g. `() => new BreakerSet()` from `@meshlet/breaker`). */
  readonly breakers?: () => EndpointBreakers;
  /**
   * Sidecar mode's stage: tells the proxy's (agent's) endpoint apart from the direct ones and
   * admits calls (`FallbackRegistry` is one; `createMeshlet` of `meshlet-rpc` wires it). See
   * `EndpointSetChooser`.
   */
  readonly endpointSets?: EndpointSetChooser;
  /**
   * Connections per provider address (1): calls spread over them, each the protocol's own client
   * with its own channel (Dubbo's `connections=`, SOFARPC's `connectionNum`). An endpoint URL's
   * `connections=` and a reference's `connections` win over it.
   */
  readonly connections?: number;
  /**
   * A control plane that drives references (proxyless mesh; `xdsMesh(client)` of `@meshlet/xds`):
   * asked once per reference; a reference it takes is routed per call by its live policy (routes,
   * weighted clusters, timeouts, retries, fault, hash, per-cluster endpoints, balancer, outlier
   * detection, limits) instead of the registry, router and cluster strategy. References it does
   * not take, and every reference without one, run exactly as before.
   */
  readonly mesh?: MeshControl;
  /**
   * Where Dubbo's routing rules live (a config centre: `createConfigSource(url)` of
   * `@meshlet/registry` for ZooKeeper or Nacos, or a `MemoryConfigSource`): each reference's
   * `{interface}:{version}:{group}.condition-router`, this application's `{application}.condition-router`
   * and the providers' `{application}.tag-router`, watched and applied to the next call.
   * `stop()` closes it, as it closes the registry. Rules can also be set from code (`setRule`).
   */
  readonly configSource?: ConfigSource;
}

type Ctor = abstract new (...args: any[]) => any;
type MethodKeys<T> = { [K in keyof T]: T[K] extends (...args: any[]) => any ? K : never }[keyof T];
/** The client of a decorated class: its methods, each returning a promise (stream methods: their AsyncIterable). */
export type ClientOfClass<T> = {
  [K in MethodKeys<T>]: T[K] extends (...args: infer A) => infer R
    ? R extends AsyncIterable<unknown> ? (...args: A) => R : (...args: A) => Promise<Awaited<R>>
    : never;
};

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The runtime: exports (`provide`) and imports (`refer`) services. `start()` listens, then
 * registers; `stop()` deregisters, drains in-flight calls, then closes — in that order, so a
 * stopping provider is never handed new calls and never drops one it accepted.
 */
export class Meshlet {
  private state: State = 'new';
  private readonly protocols = new Map<string, Protocol>();
  private readonly defaultProtocol: string;
  private readonly exports: ExportTable;
  private readonly servers = new Map<string, ProtocolServer>();
  private readonly registrations: Registration[] = [];
  private readonly directories: Directory[] = [];
  /** References a control plane drives (`RuntimeOptions.mesh`). */
  private readonly meshed: MeshInvoker[] = [];
  private readonly pool: ClientPool;
  private readonly application: string | undefined;
  private readonly retryBudget: RetryBudget;
  private routes: TagRules;
  private readonly router: Router;
  private readonly rules: RoutingRules;
  private readonly balancer: () => LoadBalancer;
  /** Admin hooks: call records, in-flight counts, and the registrations taken offline by an operator. */
  private readonly tap = new CallTap();
  private readonly startedAt = Date.now();
  private readonly offlined = new Set<Registration>();
  /** The next retry of registrations that failed at start while the registry was unreachable. */
  private failbackTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RuntimeOptions) {
    if (!options.protocols?.length) throw new RpcError(Code.InvalidArgument, 'createRuntime needs at least one protocol');
    const protocols = resolveProtocols(options.protocols);
    for (const p of protocols) this.protocols.set(p.name, p);
    this.defaultProtocol = protocols[0]!.name;
    this.application = options.application ?? process.env.MESHLET_APP;
    this.exports = new ExportTable([this.tap.interceptor('server'), ...(options.serverInterceptors ?? [])]);
    this.retryBudget = new RetryBudget(options.retryBudget);
    this.routes = options.routes ?? {};
    const router = options.router ?? DEFAULT_ROUTER;
    const base = typeof router === 'string' ? createRouter(router, { routes: () => this.routes }) : router;
    // Dubbo's rules from the config source or code, around the runtime's own router (routing/rules.ts).
    this.rules = new RoutingRules({ source: options.configSource, application: this.application, host: () => localAddress() });
    this.router = this.rules.router(base, () => this.routes.force ?? false);
    this.balancer = balancerFactory(options.loadBalancer);
    this.pool = new ClientPool(this.protocols, { ...options.client, application: this.application },
      options.connections === undefined ? 1 : checkConnections(options.connections, 'createRuntime'));
    // Dubbo 3 application-level discovery: the registry reads instances' services through our clients.
    if (this.protocols.has('dubbo')) options.registry?.useMetadataFetcher?.(metadataFetcher((d, o) => this.refer(d, o)));
  }

  /** Exports a decorated service instance, or an implementation of a definition. */
  provide(instance: object): this;
  provide<M extends Record<string, MethodSpec>>(definition: TypedServiceDefinition<M>, impl: ImplOfSpec<M>): this;
  provide(definition: ServiceDefinition, impl: object): this;
  provide(a: object, b?: object): this {
    if (this.state !== 'new') throw new RpcError(Code.InvalidArgument, 'provide() services before start()');
    const [definition, impl] = b === undefined ? [requireClassDefinition(a.constructor), a] : [a as ServiceDefinition, b];
    const names = definition.protocols ?? [definition.protocol ?? this.defaultProtocol];
    const protocols = names.map((name) => {
      const protocol = this.protocols.get(name);
      if (!protocol) throw new RpcError(Code.InvalidArgument, `service ${definition.interface} wants protocol ${name}, which is not configured`);
      return protocol;
    });
    this.exports.add(definition, impl, protocols);
    return this;
  }

  /** A typed client for a service: a definition from `defineService`, or a decorated class. */
  refer<M extends Record<string, MethodSpec>>(definition: TypedServiceDefinition<M>, options?: ReferOptions): ClientOfSpec<M>;
  refer<C extends Ctor>(contract: C, options?: ReferOptions): ClientOfClass<InstanceType<C>>;
  refer(definition: ServiceDefinition, options?: ReferOptions): Record<string, (...args: any[]) => Promise<any>>;
  refer(target: ServiceDefinition | Ctor, options: ReferOptions = {}): any {
    if (this.state === 'stopping' || this.state === 'stopped') throw new RpcError(Code.Shutdown, 'the runtime is stopped');
    let definition = typeof target === 'function' ? requireClassDefinition(target) : target;
    if (options.version !== undefined || options.group !== undefined) {
      definition = serviceDefinition(
        { ...definition, version: options.version ?? definition.version, group: options.group ?? definition.group },
        definition.methods.values(),
      );
    }
    const protocol = options.protocol ?? definition.protocol ?? this.defaultProtocol;
    return createProxy(definition, this.invoker(definition, options), {
      timeout: options.timeout ?? this.options.timeout ?? 3000,
      attachments: options.attachments,
      streams: this.protocols.get(protocol)!.streams ?? false,
    });
  }

  /**
   * A reference's client stack (interceptors, router, cluster, balancer, breakers) as one function
   * of an `Invocation`, for callers that build their invocations themselves: Meshlet's agent
   * relays frames (`Invocation.relay`) under the method each frame names. `refer` puts a proxy on it.
   */
  invoker(definition: ServiceDefinition, options: ReferOptions = {}): Invoker {
    if (this.state === 'stopping' || this.state === 'stopped') throw new RpcError(Code.Shutdown, 'the runtime is stopped');
    const protocol = options.protocol ?? definition.protocol ?? this.defaultProtocol;
    if (!this.protocols.has(protocol)) throw new RpcError(Code.InvalidArgument, `protocol ${protocol} is not configured`);
    const sets = this.options.endpointSets;
    const stages = sets === undefined ? [this.tap.interceptor('client')] : [this.tap.interceptor('client'), admitting(sets)];
    const controlled = options.url === undefined ? this.options.mesh?.reference({ service: definition, protocol }) : undefined;
    if (controlled !== undefined) {
      const mesh = new MeshInvoker(controlled, (cluster, registry) => new Directory(definition, protocol, this.pool,
        cluster.balancer?.() ?? this.balancer(), passThrough, { registry }, cluster.breakers?.() ?? this.options.breakers?.(),
        undefined, options.connections === undefined ? undefined : checkConnections(options.connections, `refer ${definition.interface}`), cluster.tls),
      `${serviceKeyString(definition)} over ${protocol}`);
      this.meshed.push(mesh);
      return applyInterceptors(mesh.invoke, [this.tap.interceptor('client'), ...(this.options.interceptors ?? [])]);
    }
    const source = options.url !== undefined
      ? { endpoints: parseUrls(options.url, protocol) }
      : {
        registry: this.requireRegistry(definition.interface),
        subscriber: { protocol, application: this.application, methods: [...new Set([...definition.methods.values()].map((m) => m.name))] },
      };
    this.rules.watchService(definition);
    const directory = new Directory(definition, protocol, this.pool, this.balancer(), this.router, source, this.options.breakers?.(),
      this.options.endpointSets, options.connections === undefined ? undefined : checkConnections(options.connections, `refer ${definition.interface}`));
    this.directories.push(directory);
    const cluster = clusterInvoker(directory, {
      strategy: options.cluster ?? this.options.cluster ?? 'failover',
      retries: options.retries ?? 2,
      forks: options.forks ?? 2,
      budget: this.retryBudget,
    });
    return applyInterceptors(cluster, [...stages, ...(this.options.interceptors ?? [])]);
  }

  /**
   * A client for a service with no definition: `$invoke(method, javaParamTypes, args)` with plain
   * JS values, on the protocol's generic convention (Dubbo `$invoke`) or as a typed call built from
   * the Java types. See `generic/service.ts`.
   */
  generic(options: GenericOptions): GenericService {
    const protocol = this.protocols.get(options.protocol ?? this.defaultProtocol);
    if (!protocol) throw new RpcError(Code.InvalidArgument, `protocol ${options.protocol} is not configured`);
    return genericService((definition, o) => this.refer(definition, o), options, protocol.genericCall);
  }

  /** Listens on every protocol that has exports, then registers them. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new RpcError(Code.InvalidArgument, `start() called when ${this.state}`);
    this.state = 'starting';
    try {
      const byProtocol = this.exports.byProtocol();
      // Describes this runtime's Dubbo services as Java providers do (generic/metadata-service.ts);
      // added after the snapshot above, so it is answered but never registered.
      // On the dubbo port, else the tri port (where the instance's `dubbo.metadata-service.url-params` point).
      const metadataProtocol = APP_LEVEL_PROTOCOLS.find((p) => byProtocol.has(p));
      if (metadataProtocol && !this.exports.definitions.some((d) => d.interface === METADATA_SERVICE)) {
        // The registered ones (offline() withdraws some), as the registry's revision counts them.
        const registered = () => this.registrations.filter((r) => APP_LEVEL_PROTOCOLS.includes(r.endpoint.protocol) && !this.offlined.has(r));
        const impl = metadataServiceImpl(() => this.exports.definitions, registered, this.application);
        for (const d of metadataServiceDefinitions(this.application, metadataProtocol)) this.exports.add(d, impl, [this.protocols.get(metadataProtocol)!]);
      }
      for (const [name, definitions] of byProtocol) {
        const protocol = this.protocols.get(name)!;
        const server = protocol.createServer(this.exports.handlerFor(name), {
          ...this.options.server,
          host: bindHost(this.options.server?.host),
          port: portFor(this.options.server?.port, name, protocol.defaultPort),
          application: this.application,
        });
        this.servers.set(name, server);
        const bound = await server.listen();
        const host = advertiseHost(bound.host);
        const port = advertisePort(name, bound.port);
        const params: Record<string, string> = this.application ? { application: this.application } : {};
        // Consumers with TLS options dial TLS to the ports that say so (client-pool.ts).
        if (this.options.server?.tls) params[TLS_PARAM] = 'true';
        for (const d of definitions) {
          this.registrations.push({
            service: d,
            endpoint: endpoint(name, host, port, params),
            methods: [...new Set([...d.methods.values()].map((m) => m.name))].sort(),
            application: this.application,
          });
        }
      }
      // Without a registry the servers still listen: callers reach them by address.
      const registry = this.options.registry;
      if (registry) await this.registerAll(registry);
      this.state = 'running';
    } catch (err) {
      await this.stop(0);
      throw err;
    }
  }

  /**
   * Registers every export. A registry that cannot be reached does not stop the provider (as in
   * Dubbo, whose failback registry retries in the background): the servers stay up for consumers
   * that know the address, one warning says so, and the registration is written once the registry
   * is back (Redis and ZooKeeper keep a failed registration wanted and write it on reconnect; the
   * retries here cover registries that do not). A registration the registry refuses as invalid
   * still fails `start()`: that is a mistake to fix, not an outage to wait out.
   */
  private async registerAll(registry: Registry): Promise<void> {
    const results = await Promise.allSettled(this.registrations.map((r) => registry.register(r)));
    const failed: Registration[] = [];
    let reason: RpcError | undefined;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (result.status === 'fulfilled') continue;
      const err = toRpcError(result.reason);
      if (!isOutage(err)) throw err;
      failed.push(this.registrations[i]!);
      reason ??= err;
    }
    if (failed.length === 0) return;
    process.emitWarning(
      `registry ${registry.name} is unreachable (${reason!.message}); serving anyway, and registering ` +
      `${failed.length} export(s) as soon as it is back: until then only consumers given this address find it`,
      { type: 'MeshletRegistryWarning', code: 'MESHLET_REGISTRY_UNREACHABLE_AT_START' },
    );
    this.failback(registry, failed, FAILBACK_FIRST_MS);
  }

  /** Retries `pending` registrations until each succeeds, this runtime stops, or an operator took it offline. */
  private failback(registry: Registry, pending: Registration[], delayMs: number): void {
    this.failbackTimer = setTimeout(async () => {
      this.failbackTimer = undefined;
      if (this.halted) return;
      const wanted = pending.filter((r) => !this.offlined.has(r));
      const results = await Promise.allSettled(wanted.map((r) => registry.register(r)));
      if (this.halted) return;
      const still = wanted.filter((_, i) => results[i]!.status === 'rejected');
      if (still.length > 0) this.failback(registry, still, Math.min(FAILBACK_MAX_MS, delayMs * 2));
    }, delayMs);
    this.failbackTimer.unref();
  }

  /** Stopping or stopped (a getter, so checks after an `await` see the current state). */
  private get halted(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** Calls `listener` after every call, client and server side (admin stats); returns the unsubscribe. */
  onCall(listener: CallListener): () => void {
    return this.tap.listen(listener);
  }

  /** A read-only picture of exports, references and their endpoints (what admin endpoints show). */
  introspect(): RuntimeSnapshot {
    return {
      application: this.application,
      state: this.state,
      uptimeMs: Date.now() - this.startedAt,
      registry: this.options.registry?.name,
      inFlight: { ...this.tap.inFlight },
      exports: this.registrations.length > 0
        ? this.registrations.map((r) => ({
          service: serviceKeyString(r.service), protocol: r.endpoint.protocol, address: endpointAddress(r.endpoint),
          state: this.offlined.has(r) ? 'offline' as const : 'online' as const, methods: r.methods,
        }))
        : [...this.exports.byProtocol()].flatMap(([protocol, ds]) => ds.map((d) => ({
          service: serviceKeyString(d), protocol, address: undefined, state: 'not started' as const,
          methods: [...new Set([...d.methods.values()].map((m) => m.name))].sort(),
        }))),
      references: [...this.directories.map((d) => d.snapshot()), ...this.meshed.flatMap((m) => m.snapshots())],
    };
  }

  /**
   * Dubbo QoS `offline`: unregisters the exports of `service` (every export when omitted) so
   * consumers stop picking this node, while the servers keep serving in-flight and late calls.
   * Resolves with the services taken offline. `online` registers them again.
   */
  async offline(service?: string): Promise<string[]> {
    const chosen = this.registrations.filter((r) => !this.offlined.has(r) && matchesService(r.service, service));
    for (const r of chosen) this.offlined.add(r);
    const registry = this.options.registry;
    if (registry) await Promise.all(chosen.map((r) => registry.unregister(r)));
    return chosen.map((r) => serviceKeyString(r.service));
  }

  /** Dubbo QoS `online`: registers again what `offline` withdrew (of `service`, or all). */
  async online(service?: string): Promise<string[]> {
    const chosen = this.registrations.filter((r) => this.offlined.has(r) && matchesService(r.service, service));
    const registry = this.options.registry;
    // Online before registering: a Dubbo 3 consumer that reads the new revision asks our
    // MetadataService for it at once, which must count these registrations by then.
    for (const r of chosen) this.offlined.delete(r);
    try {
      if (registry) await Promise.all(chosen.map((r) => registry.register(r)));
    } catch (err) {
      for (const r of chosen) this.offlined.add(r);
      throw err;
    }
    return chosen.map((r) => serviceKeyString(r.service));
  }

  /** Replaces the tag routing rules; calls from now on follow them. */
  setRoutes(routes: TagRules): void {
    this.routes = routes;
  }

  /**
   * Sets a Dubbo routing rule from code (YAML, Dubbo 3's format) under its config key:
   * `{interface}:{version}:{group}.condition-router`, `{application}.condition-router` or
   * `{provider application}.tag-router`; `undefined` clears it. It wins over the config source's
   * document of that key and applies to the next call. Throws RoutingRuleError (INVALID_ARGUMENT)
   * when it does not parse, and the rule in force stays.
   */
  setRule(key: string, rule: string | undefined): void {
    this.rules.setRule(key, rule);
  }

  /** The routing rule in force under `key` (from code or the config source), compiled. */
  rule(key: string): ConditionRule | TagRule | undefined {
    return this.rules.rule(key);
  }

  /** The bound address of the server for `protocol` (the default protocol when omitted). */
  address(protocol = this.defaultProtocol): { host: string; port: number } | undefined {
    return this.servers.get(protocol)?.address;
  }

  /** Deregisters, lets in-flight calls finish (at most `graceMs`), closes servers, clients and the registry. */
  async stop(graceMs = this.options.gracePeriod ?? 10_000): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    if (this.failbackTimer) clearTimeout(this.failbackTimer);
    const registry = this.options.registry;
    if (registry) {
      await Promise.allSettled(this.registrations.filter((r) => !this.offlined.has(r)).map((r) => registry.unregister(r)));
    }
    await Promise.all([...this.servers.values()].map((s) => s.close(graceMs)));
    for (const d of this.directories) d.close();
    for (const m of this.meshed) m.close();
    await this.pool.close();
    await registry?.close();
    this.rules.close();
    await this.options.configSource?.close();
    this.state = 'stopped';
  }

  private requireRegistry(service: string): Registry {
    if (!this.options.registry) {
      throw new RpcError(Code.InvalidArgument, `no registry configured for ${service}: pass \`registry\` to createRuntime, or \`url\` to refer()`);
    }
    return this.options.registry;
  }
}

/** A control plane's routes do the routing: the runtime's tag router steps aside for its clusters. */
const passThrough: Router = (candidates) => candidates;

/** First retry of a registration that failed at start, ms; doubles up to the max. */
const FAILBACK_FIRST_MS = 1000;
const FAILBACK_MAX_MS = 30_000;

/**
 * A registry failure that waiting can cure (unreachable, timed out, closed, busy; a plain Error such
 * as a failed fetch arrives as INTERNAL), not a registration the registry refused (BAD_REQUEST,
 * INVALID_ARGUMENT, ...).
 */
const OUTAGE = new Set<string>([Code.Unavailable, Code.Timeout, Code.ConnectionClosed, Code.ServerBusy, Code.Internal]);
function isOutage(err: RpcError): boolean {
  return OUTAGE.has(err.code);
}

/**
 * The low-level runtime: exactly the protocols, registry, balancer and breakers given, nothing
 * wired by default. Apps usually call `createMeshlet` from `meshlet-rpc`, which builds one of
 * these with production defaults and the sidecar switch.
 */
export function createRuntime(options: RuntimeOptions): Meshlet {
  return new Meshlet(options);
}

function requireClassDefinition(ctor: Function): ServiceDefinition {
  const d = definitionOfClass(ctor);
  if (!d) throw new RpcError(Code.InvalidArgument, `${ctor.name || 'the class'} has no @RpcService decorator (or pass a definition)`);
  return d;
}

function parseUrls(url: string | readonly string[], protocol: string): Endpoint[] {
  const list = typeof url === 'string' ? url.split(',') : url;
  return list.map((u) => u.trim()).filter(Boolean).map((u) => parseEndpoint(u, protocol));
}

function portFor(port: number | Readonly<Record<string, number>> | undefined, protocol: string, fallback: number): number {
  if (typeof port === 'number') return port;
  return port?.[protocol] ?? fallback;
}

/** The per-reference balancer factory of `RuntimeOptions.loadBalancer`; a name is checked now, not at the first refer. */
function balancerFactory(option: RuntimeOptions['loadBalancer']): () => LoadBalancer {
  if (option === undefined) return roundRobin;
  if (typeof option !== 'string') return option;
  createLoadBalancer(option);
  return () => createLoadBalancer(option);
}
