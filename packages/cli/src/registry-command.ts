import { Code, endpointAddress, RpcError, type Endpoint } from '@meshlet/core';
import { agentRequest, createRegistry, isAgentKind, parseAgentTarget } from '@meshlet/registry';
import { flagText, type Parsed } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';

const REGISTRY_USAGE = `meshlet registry list <registry-url> <interface> [--version v] [--group g] [--wait ms]
meshlet registry list <agent-url>

Prints the providers a registry lists for a service, one JSON line each (from its first endpoint
set, waiting at most --wait ms, 3000). Given an agent URL (meshlet://, motan-agent://), prints the
agent's /registry/list instead: what apps registered and subscribed through it.
Registries match a service by interface, version and group together (as Dubbo, SOFARPC and motan
consumers do): without --version it lists the providers registered with no version. When none
match it says so on stderr and exits 1.`;

export const registryCommand: Command = { name: 'registry', usage: REGISTRY_USAGE, run: runRegistry };

async function runRegistry(args: Parsed, { out, err }: CommandIo): Promise<number> {
  const [sub, url, iface] = args.positional;
  if (sub !== 'list') throw new UsageError(sub === undefined ? 'missing subcommand (list)' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (url === undefined) throw new UsageError('missing the registry URL');
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (isAgentKind(scheme) && iface === undefined) {
    const t = parseAgentTarget(url);
    const reply = await agentRequest(t.host, t.httpPort, 'GET', '/registry/list', undefined, '', t.httpTimeoutMs);
    out(reply.text);
    return reply.status === 200 ? 0 : 1;
  }
  if (iface === undefined) throw new UsageError('missing the interface name');
  const wait = Number(flagText(args.flags, 'wait') ?? 3000);
  if (!Number.isInteger(wait) || wait < 0) throw new UsageError(`--wait takes milliseconds, got ${JSON.stringify(flagText(args.flags, 'wait'))}`);
  const version = flagText(args.flags, 'version');
  const group = flagText(args.flags, 'group');
  const registry = createRegistry(url);
  try {
    const endpoints = await firstSet(registry.subscribe.bind(registry), { interface: iface, version, group }, wait);
    for (const e of endpoints) out(JSON.stringify({ address: endpointAddress(e), weight: e.weight, params: e.params }));
    if (endpoints.length > 0) return 0;
    // An empty list with exit 0 read as "the command worked, the service is fine".
    err(`meshlet registry: no providers of ${iface} (version ${version ?? 'unset'}, group ${group ?? 'unset'}) in ${url}` +
      (version === undefined ? '; providers registered with a version are listed with --version' : ''));
    return 1;
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
