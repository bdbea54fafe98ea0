import {
  Code, createRuntime, RpcError,
  type EndpointBreakers, type Meshlet, type RuntimeOptions, type Protocol, type Registry,
} from '@meshlet/core';
import { BreakerSet, OutlierDetector } from '@meshlet/breaker';
import { XdsClient, xdsMesh, type XdsCertificateProvider } from '@meshlet/xds';
import { fileTlsSource, type FileTlsSource } from '@meshlet/security/files';
import { AdminServer, adminOptions, meshletTarget, type AdminOptions } from '@meshlet/admin';
import { loadBalancerFactory } from '@meshlet/lb';
import { AgentRegistry, createConfigSource, createRegistry, hasConfigSource, withFallback, type FallbackRegistry } from '@meshlet/registry';
import { protocolsOf, registerBuiltins } from './builtins.js';
import { heartbeatProbe } from './probes.js';
import { tlsFromEnv } from './tls-env.js';
import type { ClosableTlsSource } from './lazy-sds.js';

export type MeshletMode = 'direct' | 'sidecar';

export interface MeshletAppOptions extends Omit<RuntimeOptions, 'protocols' | 'registry' | 'breakers'> {
  /**
   * Protocol objects or registered names (`'dubbo'`); code wins over `MESHLET_PROTOCOLS`
   * (`dubbo,bolt`), which wins over the default: Dubbo, Bolt and Motan2. The first is the default
   * of `provide` and `refer`.
   */
  readonly protocols?: readonly (Protocol | string)[];
  /**
   * Direct mode: the registry (a URL or a Registry). Sidecar mode: where calls fall back to while
   * the agent is down (none: they fail fast). `false`: none. Code wins over `MESHLET_REGISTRY`,
   * which wins over the default: `local` in direct mode, none in sidecar mode.
   */
  readonly registry?: Registry | string | false;
  /**
   * The sidecar agent (`meshlet://127.0.0.1:12220`, `mosn://127.0.0.1:12220`,
   * `motan-agent://127.0.0.1:9981`). `MESHLET_AGENT` wins over this: set it to an agent URL for
   * sidecar mode, or to `off` for direct mode whatever the code says.
   */
  readonly agent?: string | false;
  /** Per-endpoint breakers (default: a `BreakerSet` per reference); `false` for none. */
  readonly breakers?: (() => EndpointBreakers) | false;
  /** Health checks of the agent (defaults from the agent URL: every 3 s, 1 s timeout, 2 quick re-checks). */
  readonly health?: { readonly intervalMs?: number; readonly timeoutMs?: number; readonly retries?: number };
  /**
   * The admin endpoint (`/` dashboard, `/status`, `/metrics`, `/ls`, `POST /offline`/`/online`):
   * off unless set here or by `MESHLET_ADMIN_PORT` (`MESHLET_ADMIN_HOST`); binds loopback by
   * default, since it can take this provider offline. `false`: off whatever the environment says.
   */
  readonly admin?: AdminOptions | false;
}

/** The running admin endpoint of an app; `ready` resolves with its bound address. */
export interface MeshletAdmin {
  readonly server: AdminServer;
  readonly ready: Promise<{ host: string; port: number }>;
}

/** A Meshlet runtime that knows which mode it runs in. */
export type MeshletApp = Meshlet & {
  readonly mode: MeshletMode;
  /** Sidecar mode: the agent registry with its health check and fallback. */
  readonly sidecar: FallbackRegistry | undefined;
  /** The admin endpoint, when enabled. */
  readonly admin: MeshletAdmin | undefined;
};

type Env = Readonly<Record<string, string | undefined>>;

const OFF = new Set(['off', 'direct', 'none', 'false']);

/** The mode and agent URL that `options` and `env` select; the environment wins. */
export function meshletMode(options: Pick<MeshletAppOptions, 'agent'> = {}, env: Env = process.env): { mode: MeshletMode; agent: string | undefined } {
  const fromEnv = env.MESHLET_AGENT?.trim();
  const agent = fromEnv ? (OFF.has(fromEnv.toLowerCase()) ? undefined : fromEnv) : options.agent || undefined;
  return { mode: agent === undefined ? 'direct' : 'sidecar', agent };
}

/**
 * `createMeshlet` with the defaults a production service keeps: Dubbo, Bolt and Motan2; p2c
 * balancing on peak-EWMA latency; a breaker per endpoint; the registry from `MESHLET_REGISTRY`
 * (`local` by default). With `MESHLET_AGENT` set, the same code runs in sidecar mode: every call
 * goes to the agent's local port, exports are published through the agent's API, client-side
 * balancing and per-endpoint breakers step aside, tracing, deadlines and per-service limits stay;
 * and while the agent fails its heartbeat, calls fall back to the registry (if one is configured).
 */
export function createMeshlet(options: MeshletAppOptions = {}, env: Env = process.env): MeshletApp {
  registerBuiltins();
  const { mode, agent } = meshletMode(options, env);
  const protocols = protocolsOf(options.protocols, env);
  const direct = registryOf(options.registry, env, mode);
  // A registered name or a factory; p2c by default.
  const balancer = typeof options.loadBalancer === 'function' ? options.loadBalancer : loadBalancerFactory(options.loadBalancer ?? 'p2c');
  const breakers = options.breakers === false ? undefined : options.breakers ?? (() => new BreakerSet());
  const { agent: _agent, health, registry: _registry, breakers: _breakers, admin: _admin, ...rest } = options;
  const admin = adminOptions(options.admin, env);
  // Dubbo's routing rules from the registry's config centre (ZooKeeper, Nacos) unless code or env says otherwise.
  const configSource = rest.configSource ?? configSourceOf(registryUrl(options.registry, env, mode), env);
  if (mode === 'direct') {
    const { options: withTls, source } = tlsOptionsOf(rest, env);
    const xds = options.mesh === undefined ? xdsFromEnv(env) : undefined;
    const mesh = createRuntime({ ...withTls, protocols, registry: direct, loadBalancer: balancer, breakers, configSource, ...(xds ? { mesh: xds.mesh } : {}) });
    return withAdmin(closing(Object.assign(mesh, { mode, sidecar: undefined }), source, xds?.client), admin, registryUrl(options.registry, env, mode));
  }
  const agentRegistry = createRegistry(withApplication(agent!, options.application ?? env.MESHLET_APP));
  if (!(agentRegistry instanceof AgentRegistry)) {
    throw new RpcError(Code.InvalidArgument, `MESHLET_AGENT must name an agent (meshlet://, mosn://, motan-agent://), got ${agentRegistry.name}`);
  }
  const sidecar = withFallback(agentRegistry, direct, {
    probe: heartbeatProbe,
    intervalMs: health?.intervalMs,
    timeoutMs: health?.timeoutMs,
    retries: health?.retries,
    // With somewhere to fall back to, keep it at hand: the first failed call moves over at once.
    standby: direct !== undefined,
  });
  const { options: withTls, source } = tlsOptionsOf(rest, env);
  // A TLS agent takes the app's calls, API and heartbeat on its TLS port: the client TLS reaches it.
  agentRegistry.useTls(withTls.client?.tls);
  const mesh = createRuntime({
    ...withTls,
    protocols,
    registry: sidecar,
    loadBalancer: balancer,
    breakers,
    configSource,
    // One stage chooses between the agent's endpoint and the direct set; the balancer and the
    // breakers only ever see the direct endpoints.
    endpointSets: sidecar,
  });
  return withAdmin(closing(Object.assign(mesh, { mode, sidecar }), source), admin, agent);
}

/** The runtime options with `MESHLET_TLS_DIR`'s TLS on the sides code left without (tls-env.ts). */
function tlsOptionsOf<O extends Pick<MeshletAppOptions, 'server' | 'client'>>(options: O, env: Env): { options: O; source: ClosableTlsSource | undefined } {
  const fromEnv = tlsFromEnv(env, options.server?.tls !== undefined, options.client?.tls !== undefined);
  if (fromEnv.source === undefined) return { options, source: undefined };
  return {
    options: {
      ...options,
      server: fromEnv.server ? { ...options.server, tls: fromEnv.server } : options.server,
      client: fromEnv.client ? { ...options.client, tls: fromEnv.client } : options.client,
    },
    source: fromEnv.source,
  };
}

/**
 * Proxyless mesh: with `MESHLET_XDS` set (a bootstrap file, `xds://host:port`), references are
 * driven by that xDS control plane (`@meshlet/xds`), clusters with outlier_detection get Envoy's
 * outlier detector. Direct mode only: in sidecar mode the agent is the mesh.
 */
function xdsFromEnv(env: Env): { client: { close(): void }; mesh: ReturnType<typeof xdsMesh> } | undefined {
  if (!env.MESHLET_XDS?.trim()) return undefined;
  const client = XdsClient.fromEnv({}, env as NodeJS.ProcessEnv);
  // Clusters' mTLS from the bootstrap's file_watcher certificate providers (gRPC's proxyless style).
  const sources: FileTlsSource[] = [];
  const certificateProviders = (_name: string, p: XdsCertificateProvider) => {
    if (p.pluginName !== 'file_watcher' || !('certificateFile' in p) || p.certificateFile === undefined || p.privateKeyFile === undefined) return undefined;
    const source = fileTlsSource({ certFile: p.certificateFile, keyFile: p.privateKeyFile, caFile: p.caCertificateFile, pollInterval: p.refreshIntervalMs });
    sources.push(source);
    return source;
  };
  const mesh = xdsMesh(client, { outlierDetection: (config) => new OutlierDetector(config), certificateProviders });
  return { client: { close: () => { client.close(); for (const s of sources) s.close(); } }, mesh };
}

/** Closes the environment's certificate source (its file watch) and the xDS client once the runtime has stopped. */
function closing<M extends Meshlet>(mesh: M, source: ClosableTlsSource | undefined, xds?: { close(): void }): M {
  if (source === undefined && xds === undefined) return mesh;
  const stop = mesh.stop.bind(mesh);
  mesh.stop = async (graceMs?: number) => {
    try {
      await stop(graceMs);
    } finally {
      source?.close();
      xds?.close();
    }
  };
  return mesh;
}

/**
 * Starts the admin endpoint at once (a consumer-only app never calls `start()`, and an operator
 * wants the dashboard while it starts), and closes it after the runtime stops. A port that cannot
 * be bound is reported through `admin.ready` and a process warning, never by failing the app: the
 * admin endpoint is an aid, not the service.
 */
function withAdmin<M extends Meshlet>(mesh: M & { mode: MeshletMode }, options: AdminOptions | undefined, registry: string | undefined): M & { admin: MeshletAdmin | undefined } {
  if (options === undefined) return Object.assign(mesh, { admin: undefined });
  const server = new AdminServer(meshletTarget(mesh, mesh.mode, registry));
  const ready = server.listen(options);
  ready.catch((err: Error) => process.emitWarning(err.message, 'MeshletAdminWarning'));
  const stop = mesh.stop.bind(mesh);
  mesh.stop = async (graceMs?: number) => {
    try {
      await stop(graceMs);
    } finally {
      await server.close();
    }
  };
  return Object.assign(mesh, { admin: { server, ready } });
}

/** The registry URL `registryOf` used, for the admin status (undefined for a Registry object or none). */
function registryUrl(option: Registry | string | false | undefined, env: Env, mode: MeshletMode): string | undefined {
  if (option === false || (option !== undefined && typeof option !== 'string')) return undefined;
  if (option !== undefined) return option;
  const fromEnv = env.MESHLET_REGISTRY?.trim();
  if (fromEnv) return OFF.has(fromEnv.toLowerCase()) ? undefined : fromEnv;
  return mode === 'direct' ? 'local' : undefined;
}

/**
 * Where routing rules are read: `MESHLET_CONFIG_SOURCE` (a URL, or off/none/false), else the
 * registry URL's own config centre when it has one (zookeeper://, nacos://), else none.
 */
function configSourceOf(registry: string | undefined, env: Env): RuntimeOptions['configSource'] {
  const fromEnv = env.MESHLET_CONFIG_SOURCE?.trim();
  if (fromEnv) return OFF.has(fromEnv.toLowerCase()) ? undefined : createConfigSource(fromEnv);
  return registry !== undefined && hasConfigSource(registry) ? createConfigSource(registry) : undefined;
}

function registryOf(option: Registry | string | false | undefined, env: Env, mode: MeshletMode): Registry | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return createRegistry(option);
  const fromEnv = env.MESHLET_REGISTRY?.trim();
  if (fromEnv) return OFF.has(fromEnv.toLowerCase()) ? undefined : createRegistry(fromEnv);
  return mode === 'direct' ? createRegistry('local') : undefined;
}

/**
 * MOSN wants the application before a consumer's first subscribe (SOFARPC registers it once,
 * `/configs/application`); the registry SPI does not carry it, so the agent URL does.
 */
function withApplication(agent: string, application: string | undefined): string {
  if (!application || !/^mosn:/i.test(agent) || /[?&]app=/.test(agent)) return agent;
  return `${agent}${agent.includes('?') ? '&' : '?'}app=${encodeURIComponent(application)}`;
}
