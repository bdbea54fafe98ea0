import { networkInterfaces } from 'node:os';

const ANY = new Set(['0.0.0.0', '::', '']);

/**
 * The host to publish in the registry. An explicit choice wins (`MESHLET_HOST` is the deployer's
 * override); a specific bind address is itself reachable; a wildcard bind publishes the first
 * non-internal IPv4 address, as Dubbo's `anyhost=true` providers do.
 */
export function advertiseHost(bindHost: string, explicit: string | undefined = process.env.MESHLET_HOST): string {
  if (explicit) return explicit;
  if (!ANY.has(bindHost)) return bindHost;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
