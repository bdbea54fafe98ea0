import { invalidArgument } from '../validate.js';

/** The three agents an app can run beside it in sidecar mode. */
export type AgentKind = 'mosn' | 'motan-agent' | 'meshlet';

/**
 * Where a sidecar agent is and how to talk to it, parsed from `MESHLET_AGENT`:
 *
 * - `mosn://127.0.0.1:12220?http=13330&dubbo=20882&payload=java` — MOSN: Bolt egress on the URL's
 *   port (SOFARPC's `MeshConstants.TCP_PORT`), the registration API on `http` (13330), Dubbo egress
 *   only when `dubbo` names its listener's port;
 * - `motan-agent://127.0.0.1:9981?mport=8002&proxyRegistry=zookeeper://10.0.0.1:2181` — the motan-go
 *   agent: Motan2 on the URL's port, its management API on `mport`;
 * - `meshlet://127.0.0.1:12220` — Meshlet's agent: one port for Dubbo, Bolt, Motan2 and its HTTP
 *   API (it tells them apart by their first bytes); `http` names another API port if wanted.
 *
 * Every kind also takes `health` (ms between heartbeat checks, 3000), `healthTimeout` (ms, 1000)
 * and `httpTimeout` (ms per API call, 5000).
 */
export interface AgentTarget {
  readonly kind: AgentKind;
  /** The URL as given, for messages. Agent URLs carry no credentials. */
  readonly url: string;
  readonly host: string;
  /** The agent's port for app traffic. */
  readonly port: number;
  /** Per protocol this agent carries: the port app traffic of that protocol goes to. */
  readonly ports: Readonly<Record<string, number>>;
  /** The agent's HTTP API port. */
  readonly httpPort: number;
  /** The protocol whose heartbeat health-checks the agent. */
  readonly probeProtocol: string;
  readonly healthIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly httpTimeoutMs: number;
  /** The remaining query parameters (kind-specific: `payload`, `proxyRegistry`, ...). */
  readonly params: Readonly<Record<string, string>>;
}

const DEFAULTS: Record<AgentKind, { port: number; httpPort: number; httpKey: string }> = {
  mosn: { port: 12220, httpPort: 13330, httpKey: 'http' },
  'motan-agent': { port: 9981, httpPort: 8002, httpKey: 'mport' },
  meshlet: { port: 12220, httpPort: 13330, httpKey: 'http' },
};

const COMMON = new Set(['health', 'healthTimeout', 'httpTimeout', 'probe']);

export function isAgentKind(scheme: string): scheme is AgentKind {
  return Object.hasOwn(DEFAULTS, scheme);
}

/** Parses an agent URL; throws RpcError INVALID_ARGUMENT naming what is wrong. */
export function parseAgentTarget(text: string): AgentTarget {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalidArgument(`invalid agent URL ${JSON.stringify(trimmed)} (expected e.g. meshlet://127.0.0.1:12220)`);
  }
  const kind = url.protocol.slice(0, -1).toLowerCase();
  if (!isAgentKind(kind)) throw invalidArgument(`unknown agent kind "${kind}" (use mosn://, motan-agent:// or meshlet://)`);
  if (url.username || url.password) throw invalidArgument('an agent URL takes no credentials');
  const d = DEFAULTS[kind];
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname || '127.0.0.1';
  const port = url.port === '' ? d.port : portOf(url.port, 'port');
  const q = Object.fromEntries(url.searchParams) as Record<string, string>;
  // Meshlet's agent serves its API on the app-facing port too.
  const defaultHttp = kind === 'meshlet' ? port : d.httpPort;
  const httpPort = q[d.httpKey] === undefined ? defaultHttp : portOf(q[d.httpKey]!, d.httpKey);
  const ports: Record<string, number> = {};
  switch (kind) {
    case 'mosn':
      ports.bolt = port;
      if (q.dubbo !== undefined) ports.dubbo = portOf(q.dubbo, 'dubbo');
      break;
    case 'motan-agent':
      ports.motan2 = port;
      break;
    case 'meshlet':
      for (const p of (q.protocols ?? 'dubbo,bolt,motan2,tri').split(',').map((s) => s.trim()).filter(Boolean)) ports[p] = port;
      break;
  }
  const probeProtocol = q.probe ?? Object.keys(ports)[0]!;
  if (ports[probeProtocol] === undefined) throw invalidArgument(`agent probe protocol ${JSON.stringify(probeProtocol)} is not one this agent carries`);
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(q)) if (!COMMON.has(k) && k !== d.httpKey) params[k] = v;
  return Object.freeze({
    kind,
    url: trimmed,
    host,
    port,
    ports: Object.freeze(ports),
    httpPort,
    probeProtocol,
    healthIntervalMs: positiveMs(q.health, 3000, 'health'),
    healthTimeoutMs: positiveMs(q.healthTimeout, 1000, 'healthTimeout'),
    httpTimeoutMs: positiveMs(q.httpTimeout, 5000, 'httpTimeout'),
    params: Object.freeze(params),
  });
}

function portOf(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw invalidArgument(`agent URL ${what} must be a port number, got ${JSON.stringify(text)}`);
  return n;
}

function positiveMs(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw invalidArgument(`agent URL ${what} must be a positive number of ms, got ${JSON.stringify(text)}`);
  return n;
}
