import { Code, endpointAddress, RpcError, type Endpoint } from '@meshlet/core';
import { agentRequest, createRegistry, isAgentKind, parseAgentTarget } from '@meshlet/registry';
import { flagText, type Parsed } from './args.js';

export const REGISTRY_USAGE = `meshlet registry list <registry-url> <interface> [--version v] [--group g] [--wait ms]
meshlet registry list <agent-url>

Prints the providers a registry lists for a service, one JSON line each (from its first endpoint
set, waiting at most --wait ms, 3000). Given an agent URL (meshlet://, motan-agent://), prints the
agent's /registry/list instead: what apps registered and subscribed through it.`;

export async function registryCommand(args: Parsed, out: (line: string) => void): Promise<number> {
  const [sub, url, iface] = args.positional;
  if (sub !== 'list' || url === undefined) throw new RpcError(Code.InvalidArgument, REGISTRY_USAGE);
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (isAgentKind(scheme) && iface === undefined) {
    const t = parseAgentTarget(url);
    const reply = await agentRequest(t.host, t.httpPort, 'GET', '/registry/list', undefined, '', t.httpTimeoutMs);
    out(reply.text);
    return reply.status === 200 ? 0 : 1;
  }
  if (iface === undefined) throw new RpcError(Code.InvalidArgument, REGISTRY_USAGE);
  const wait = Number(flagText(args.flags, 'wait') ?? 3000);
  const registry = createRegistry(url);
  try {
    const endpoints = await firstSet(registry.subscribe.bind(registry), { interface: iface, version: flagText(args.flags, 'version'), group: flagText(args.flags, 'group') }, wait);
    for (const e of endpoints) out(JSON.stringify({ address: endpointAddress(e), weight: e.weight, params: e.params }));
    return 0;
  } finally {
    await registry.close();
  }
}

function firstSet(
  subscribe: (k: { interface: string; version?: string; group?: string }, l: (e: readonly Endpoint[]) => void) => Promise<() => void>,
  key: { interface: string; version?: string; group?: string },
  waitMs: number,
): Promise<readonly Endpoint[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RpcError(Code.Timeout, `no endpoint set for ${key.interface} within ${waitMs} ms`)), waitMs);
    subscribe(key, (eps) => {
      clearTimeout(timer);
      resolve(eps);
    }).then((stop) => stop(), (err: unknown) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
