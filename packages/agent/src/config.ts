import { readFileSync } from 'node:fs';
import { Code, RpcError, type TlsOptions } from '@meshlet/core';
import type { BreakerOptions } from '@meshlet/breaker';

/**
 * The agent's settings. Defaults < the JSON config file < environment < options given in code
 * (the CLI's flags). Ports may be 0 (the OS picks; `/registry/info` and the CLI's READY line say
 * which).
 */
export interface AgentConfig {
  /** The agent's application name, published with registrations that name none. Env `MESHLET_APP`. */
  readonly application: string;
  /** The real registry the agent discovers and registers in. Env `MESHLET_REGISTRY`. Default `local`. */
  readonly registry: string;
  /** Bind address of the app-facing port and the HTTP API: local apps only. Env `MESHLET_AGENT_HOST`. Default `127.0.0.1`. */
  readonly host: string;
  /** Where local apps send their calls (every protocol on one port). Env `MESHLET_AGENT_PORT`. Default 12220 (MOSN's). */
  readonly port: number;
  /** More app-facing ports, e.g. 9981 for Go apps configured for the motan-go agent. */
  readonly extraPorts: readonly number[];
  /** Where remote callers (and their agents) reach this host's apps. Env `MESHLET_AGENT_INGRESS_HOST` / `_PORT`. Default 0.0.0.0:12230. */
  readonly ingressHost: string;
  readonly ingressPort: number;
  /** The host published for the ingress port. Env `MESHLET_IP_TO_REGISTRY`, `DUBBO_IP_TO_REGISTRY` or `MESHLET_HOST` (in that order). Default: the ingress bind address, or this host's reachable address (`localAddress`). */
  readonly advertiseHost: string | undefined;
  /** The registration API (MOSN- and motan-agent-style) and `/status`. Env `MESHLET_AGENT_HTTP_PORT`. Default 13330 (MOSN's). */
  readonly httpPort: number;
  /** More HTTP ports, e.g. 8002 for apps configured for the motan-go agent. */
  readonly extraHttpPorts: readonly number[];
  /** Per-call timeout when a frame carries none, ms. Default 10 000. */
  readonly timeout: number;
  /** How long a stop lets in-flight calls finish, ms. Default 5000. */
  readonly gracePeriod: number;
  /**
   * On stop, send Bolt callers MOSN's GoAway (Meshlet and MOSN-aware clients then send nothing
   * new at once). Default false: Java Bolt clients do not know the command. Dubbo callers always
   * get the read-only event; Motan2 has no such signal.
   */
  readonly boltGoAway: boolean;
  /** Publish registrations as they come (true), or only after `GET /200` (false, the motan-go agent's way). */
  readonly online: boolean;
  /** Join callers' traces (extract their context from each frame). Default: on when `MESHLET_OTEL` is set. */
  readonly tracing: boolean;
  /** The app ports assumed when a MOSN-style publish names none (SOFARPC's sends none). Default bolt 12200, dubbo 20880. */
  readonly mosnAppPorts: Readonly<Record<string, number>>;
  /** The balancer of egress calls (`@meshlet/lb` name). Default `p2c`. */
  readonly loadBalancer: string;
  /** Per-endpoint breakers of egress calls (`@meshlet/breaker` options). */
  readonly breaker: BreakerOptions;
  /**
   * mTLS from one directory in the Kubernetes secret layout (`cert.pem`, `key.pem`, `ca.pem`,
   * rotated live): the agent's ports (egress and ingress) take TLS with it, and its upstream
   * dials (to providers and other agents' ingress) present it. Env `MESHLET_TLS_DIR`; CLI `--tls-dir`.
   */
  readonly tlsDir: string | undefined;
  /**
   * `strict` (default): the agent's ports take TLS only. `permissive`: TLS and plaintext on the
   * same port (a ClientHello's first byte tells them apart), while apps and peers migrate.
   * Env `MESHLET_TLS_MODE` (as for apps); CLI `--tls-mode`.
   */
  readonly tlsMode: 'strict' | 'permissive';
  /**
   * Upstream dials check that the provider (or agent) presents one of these identities (SPIFFE
   * URI or DNS SAN) instead of the host name. Empty (default): the host-name check (an IP SAN).
   * Env `MESHLET_TLS_IDENTITIES` (comma-separated, as for apps); CLI `--upstream-identities`.
   */
  readonly upstreamIdentities: readonly string[];
  /** In code: the agent's ports' TLS as core `TlsOptions` (a source of one's own); wins over `tlsDir`. */
  readonly tls: TlsOptions | undefined;
  /** In code: the upstream dials' TLS as core `TlsOptions`; wins over `tlsDir`. */
  readonly upstreamTls: TlsOptions | undefined;
}

export const AGENT_DEFAULTS: AgentConfig = Object.freeze({
  application: 'meshlet-agent',
  registry: 'local',
  host: '127.0.0.1',
  port: 12220,
  extraPorts: [],
  ingressHost: '0.0.0.0',
  ingressPort: 12230,
  advertiseHost: undefined,
  httpPort: 13330,
  extraHttpPorts: [],
  timeout: 10_000,
  gracePeriod: 5000,
  boltGoAway: false,
  online: true,
  tracing: false,
  mosnAppPorts: { bolt: 12200, dubbo: 20880 },
  loadBalancer: 'p2c',
  breaker: {},
  tlsDir: undefined,
  tlsMode: 'strict',
  upstreamIdentities: [],
  tls: undefined,
  upstreamTls: undefined,
});

type Env = Readonly<Record<string, string | undefined>>;

const ENV: readonly [string, keyof AgentConfig, 'string' | 'port'][] = [
  ['MESHLET_APP', 'application', 'string'],
  ['MESHLET_REGISTRY', 'registry', 'string'],
  ['MESHLET_AGENT_HOST', 'host', 'string'],
  ['MESHLET_AGENT_PORT', 'port', 'port'],
  ['MESHLET_AGENT_INGRESS_HOST', 'ingressHost', 'string'],
  ['MESHLET_AGENT_INGRESS_PORT', 'ingressPort', 'port'],
  ['MESHLET_AGENT_HTTP_PORT', 'httpPort', 'port'],
  // Later names win, so the precedence is core's (registryHostFromEnv): MESHLET_IP_TO_REGISTRY,
  // then DUBBO_IP_TO_REGISTRY, then MESHLET_HOST.
  ['MESHLET_HOST', 'advertiseHost', 'string'],
  ['DUBBO_IP_TO_REGISTRY', 'advertiseHost', 'string'],
  ['MESHLET_IP_TO_REGISTRY', 'advertiseHost', 'string'],
  ['MESHLET_TLS_DIR', 'tlsDir', 'string'],
  ['MESHLET_TLS_MODE', 'tlsMode', 'string'],
];

export interface LoadOptions {
  /** A JSON file of `AgentConfig` fields. Env `MESHLET_AGENT_CONFIG`. */
  readonly file?: string | undefined;
  readonly env?: Env;
  /** Wins over everything (the CLI's flags). */
  readonly overrides?: Partial<AgentConfig>;
}

/** Merges defaults, file, environment and overrides; throws RpcError INVALID_ARGUMENT naming the bad setting. */
export function loadAgentConfig(options: LoadOptions = {}): AgentConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.MESHLET_AGENT_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key, kind] of ENV) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    fromEnv[key] = kind === 'port' ? port(v, name) : v;
  }
  if (env.MESHLET_OTEL) fromEnv.tracing = true;
  const identities = env.MESHLET_TLS_IDENTITIES?.split(',').map((i) => i.trim()).filter((i) => i !== '');
  if (identities?.length) fromEnv.upstreamIdentities = identities;
  if (typeof fromEnv.tlsMode === 'string') fromEnv.tlsMode = fromEnv.tlsMode.trim().toLowerCase();
  return checkConfig({ ...AGENT_DEFAULTS, ...fromFile, ...fromEnv, ...options.overrides });
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`cannot read the agent config ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`the agent config ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`the agent config ${file} must hold a JSON object`);
  const known = new Set(Object.keys(AGENT_DEFAULTS));
  for (const k of Object.keys(value)) if (!known.has(k)) throw invalid(`the agent config ${file} has an unknown setting "${k}" (known: ${[...known].join(', ')})`);
  return value as Record<string, unknown>;
}

/** Every field of the right type and range. */
export function checkConfig(c: Record<string, unknown>): AgentConfig {
  const str = (k: string) => {
    if (typeof c[k] !== 'string' || c[k] === '') throw invalid(`agent setting "${k}" must be a non-empty string`);
    return c[k] as string;
  };
  const num = (k: string, min: number) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw invalid(`agent setting "${k}" must be a number >= ${min}`);
    return v;
  };
  const ports = (k: string) => {
    const v = c[k];
    if (!Array.isArray(v) || !v.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535)) throw invalid(`agent setting "${k}" must be a list of ports`);
    return Object.freeze([...v] as number[]);
  };
  const portOf = (k: string) => {
    const v = num(k, 0);
    if (!Number.isInteger(v) || v > 65535) throw invalid(`agent setting "${k}" must be a port (0..65535)`);
    return v;
  };
  if (typeof c.online !== 'boolean') throw invalid('agent setting "online" must be true or false');
  if (typeof c.tracing !== 'boolean') throw invalid('agent setting "tracing" must be true or false');
  if (typeof c.boltGoAway !== 'boolean') throw invalid('agent setting "boltGoAway" must be true or false');
  if (c.advertiseHost !== undefined && (typeof c.advertiseHost !== 'string' || c.advertiseHost === '')) throw invalid('agent setting "advertiseHost" must be a host');
  const mosn = c.mosnAppPorts;
  if (typeof mosn !== 'object' || mosn === null || !Object.values(mosn).every((p) => Number.isInteger(p) && p > 0 && p <= 65535)) {
    throw invalid('agent setting "mosnAppPorts" must map protocols to ports');
  }
  if (typeof c.breaker !== 'object' || c.breaker === null) throw invalid('agent setting "breaker" must be an object');
  if (c.tlsDir !== undefined && (typeof c.tlsDir !== 'string' || c.tlsDir === '')) throw invalid('agent setting "tlsDir" must be a directory');
  if (c.tlsMode !== 'strict' && c.tlsMode !== 'permissive') throw invalid('agent setting "tlsMode" must be "strict" or "permissive"');
  const identities = c.upstreamIdentities;
  if (!Array.isArray(identities) || !identities.every((i) => typeof i === 'string' && i !== '')) {
    throw invalid('agent setting "upstreamIdentities" must be a list of SPIFFE IDs or DNS names');
  }
  for (const k of ['tls', 'upstreamTls'] as const) {
    if (c[k] !== undefined && (typeof c[k] !== 'object' || c[k] === null)) throw invalid(`agent setting "${k}" must be TLS options`);
  }
  return Object.freeze({
    application: str('application'),
    registry: str('registry'),
    host: str('host'),
    port: portOf('port'),
    extraPorts: ports('extraPorts'),
    ingressHost: str('ingressHost'),
    ingressPort: portOf('ingressPort'),
    advertiseHost: c.advertiseHost as string | undefined,
    httpPort: portOf('httpPort'),
    extraHttpPorts: ports('extraHttpPorts'),
    timeout: num('timeout', 1),
    gracePeriod: num('gracePeriod', 0),
    boltGoAway: c.boltGoAway,
    online: c.online,
    tracing: c.tracing,
    mosnAppPorts: Object.freeze({ ...(mosn as Record<string, number>) }),
    loadBalancer: str('loadBalancer'),
    breaker: c.breaker as BreakerOptions,
    tlsDir: c.tlsDir as string | undefined,
    tlsMode: c.tlsMode,
    upstreamIdentities: Object.freeze([...identities] as string[]),
    tls: c.tls as TlsOptions | undefined,
    upstreamTls: c.upstreamTls as TlsOptions | undefined,
  });
}

function port(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalid(`${what} must be a port (0..65535), got ${JSON.stringify(text)}`);
  return n;
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, message);
}
