import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * Picks the address of this host that other hosts can most likely reach, the way Dubbo's
 * `NetUtils.getLocalHost` does: loopback and link-local addresses never; interfaces the deployer
 * names first (`MESHLET_NETWORK_INTERFACE_PREFERRED`, alias `DUBBO_PREFERRED_NETWORK_INTERFACE`);
 * named ones never (`MESHLET_NETWORK_INTERFACE_IGNORED`, alias `DUBBO_NETWORK_IGNORED_INTERFACE`).
 * Where Dubbo probes `isReachable`, we prefer the interface that carries the default route (read
 * from the kernel's routing table, no packets sent), then anything that is not a container or VM
 * bridge (docker0 is up on many hosts and unreachable from all others), then IPv4 over IPv6.
 * Interfaces that are down never show up: libuv lists only those that are up and running.
 */
export interface AddressChoice {
  /** Interface names (or /regex/ patterns) to try first, in order. */
  readonly preferred?: readonly string[];
  /** Interface names (or /regex/ patterns) never to use. */
  readonly ignored?: readonly string[];
  /** Interfaces that carry a default route. */
  readonly defaultRoute?: readonly string[];
}

// Bridges and tunnels that hosts create for containers and VMs; reachable from the host only.
const VIRTUAL = /^(docker|br-|veth|virbr|vboxnet|vmnet|cni|flannel|cali|weave|kube-|lxc|lxd|podman|tun|tap|utun|zt|tailscale|wg)/;

function matches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.length > 2 && p.startsWith('/') && p.endsWith('/') ? new RegExp(p.slice(1, -1)).test(name) : p === name));
}

function linkLocal(a: NetworkInterfaceInfo): boolean {
  return a.family === 'IPv4' ? a.address.startsWith('169.254.') : /^fe[89ab]/i.test(a.address);
}

/** The best address among `interfaces` (as `os.networkInterfaces()` returns them), or undefined. */
export function pickLocalAddress(
  interfaces: Record<string, NetworkInterfaceInfo[] | undefined>,
  choice: AddressChoice = {},
): string | undefined {
  const preferred = choice.preferred ?? [];
  const ignored = choice.ignored ?? [];
  const routed = new Set(choice.defaultRoute ?? []);
  let best: { address: string; score: number } | undefined;
  for (const [name, addresses] of Object.entries(interfaces)) {
    if (matches(name, ignored)) continue;
    const rank = preferred.findIndex((p) => matches(name, [p]));
    for (const a of addresses ?? []) {
      if (a.internal || linkLocal(a)) continue;
      // Higher wins; earlier interfaces win ties, as the OS lists its primary ones first.
      const score = (rank >= 0 ? 1000 - rank * 10 : 0) + (routed.has(name) ? 100 : 0) + (VIRTUAL.test(name) ? 0 : 10) + (a.family === 'IPv4' ? 1 : 0);
      if (!best || score > best.score) best = { address: a.address, score };
    }
  }
  return best?.address;
}

/** Interfaces holding a default route, from Linux's /proc/net/route; empty elsewhere. */
export function defaultRouteInterfaces(table?: string): string[] {
  let text = table;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/net/route', 'utf8');
    } catch {
      return [];
    }
  }
  const names: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === '00000000' && mask === '00000000') names.push(iface);
  }
  return names;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** This host's reachable address under the env settings above; 127.0.0.1 when there is none. */
export function localAddress(env: NodeJS.ProcessEnv = process.env): string {
  return (
    pickLocalAddress(networkInterfaces(), {
      preferred: list(env.MESHLET_NETWORK_INTERFACE_PREFERRED ?? env.DUBBO_PREFERRED_NETWORK_INTERFACE),
      ignored: list(env.MESHLET_NETWORK_INTERFACE_IGNORED ?? env.DUBBO_NETWORK_IGNORED_INTERFACE),
      defaultRoute: defaultRouteInterfaces(),
    }) ?? '127.0.0.1'
  );
}
