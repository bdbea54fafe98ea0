import { isIP } from 'node:net';
import { Code, RpcError } from '../errors.js';
import { localAddress } from './local-address.js';

const ANY = new Set(['0.0.0.0', '::', '']);

function first(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The address to publish, set by the deployer: `MESHLET_IP_TO_REGISTRY`, or Dubbo's
 * `DUBBO_IP_TO_REGISTRY`, or the older `MESHLET_HOST` (containers and NAT, where the host's own
 * address is not the one others dial).
 */
export function registryHostFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return first(env, ['MESHLET_IP_TO_REGISTRY', 'DUBBO_IP_TO_REGISTRY', 'MESHLET_HOST']);
}

/**
 * The address a provider listens on when the code names none: `MESHLET_IP_TO_BIND` or Dubbo's
 * `DUBBO_IP_TO_BIND`; undefined means every interface (see `bindHost`).
 */
export function bindHostFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = first(env, ['MESHLET_IP_TO_BIND', 'DUBBO_IP_TO_BIND']);
  if (host !== undefined && isIP(host) === 0 && host !== 'localhost') {
    throw new RpcError(Code.InvalidArgument, `MESHLET_IP_TO_BIND / DUBBO_IP_TO_BIND must be an IP address, not ${JSON.stringify(host)}`);
  }
  return host;
}

/**
 * The host a provider binds: the code's `server.host`, else the env's, else undefined, which
 * Node turns into `::` with IPv4 mapped in (one socket for both families) or `0.0.0.0` on hosts
 * without IPv6. A provider is there to be called from other hosts, so it listens on all of them.
 */
export function bindHost(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return explicit ?? bindHostFromEnv(env);
}

/**
 * The host to publish in the registry. The deployer's choice wins (see `registryHostFromEnv`);
 * a specific bind address is itself reachable; a wildcard bind publishes this host's most
 * reachable address (`localAddress`), as Dubbo's `anyhost=true` providers do.
 */
export function advertiseHost(bindHost: string | undefined, explicit: string | undefined = registryHostFromEnv()): string {
  if (explicit) return explicit;
  if (bindHost !== undefined && !ANY.has(bindHost)) return bindHost;
  return localAddress();
}

/**
 * The port to publish for `protocol`: `MESHLET_<PROTOCOL>_PORT_TO_REGISTRY`, then
 * `MESHLET_PORT_TO_REGISTRY` (Dubbo: `DUBBO_<PROTOCOL>_PORT_TO_REGISTRY`, `DUBBO_PORT_TO_REGISTRY`),
 * for port mappings (Docker `-p 30880:20880`); else the bound port.
 */
export function advertisePort(protocol: string, bound: number, env: NodeJS.ProcessEnv = process.env): number {
  const p = protocol.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const names = [`MESHLET_${p}_PORT_TO_REGISTRY`, 'MESHLET_PORT_TO_REGISTRY', `DUBBO_${p}_PORT_TO_REGISTRY`, 'DUBBO_PORT_TO_REGISTRY'];
  const text = first(env, names);
  if (text === undefined) return bound;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new RpcError(Code.InvalidArgument, `${names.find((n) => env[n]?.trim())} must be a port (1-65535), not ${JSON.stringify(text)}`);
  }
  return port;
}
