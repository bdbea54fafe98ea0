// What a provider says about a service's methods: Dubbo's MetadataService (the full signatures
// Java 2.7/3 providers, and Meshlet's Dubbo providers, give), else the registry's `methods=` list.
import { Code, RpcError, type Endpoint } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import type { Target } from './target.js';
import { withGeneric } from './generic-client.js';

export interface DescribedMethod {
  readonly name: string;
  /** Java type names; undefined when the source lists names only (a registry's `methods=`). */
  readonly parameterTypes?: readonly string[];
  readonly returnType?: string;
}

export interface Description {
  readonly interface: string;
  /** Where the methods came from: `metadata-service` (Dubbo's) or `registry`. */
  readonly source: 'metadata-service' | 'registry';
  readonly methods: readonly DescribedMethod[];
}

const METADATA_SERVICE = 'org.apache.dubbo.metadata.MetadataService';

/** Describes the target's service, from the best source that answers; RpcError when none does. */
export async function describeTarget(target: Target, timeout: number): Promise<Description> {
  let endpoints: readonly Endpoint[] = [];
  if (target.address === undefined && target.registry !== undefined) {
    // A registry lists a service's providers of every protocol; only this protocol's can answer.
    endpoints = (await providersOf(target, timeout)).filter((e) => e.protocol === target.protocol);
  }
  if (target.protocol === 'dubbo') {
    const address = target.address ?? (endpoints[0] ? `${endpoints[0].host}:${endpoints[0].port}` : undefined);
    if (address !== undefined) {
      const fromMetadata = await metadataService(target, address, endpoints[0]?.params.application, timeout).catch(() => undefined);
      if (fromMetadata !== undefined) return fromMetadata;
    }
  }
  const names = new Set<string>();
  for (const e of endpoints) for (const m of (e.params.methods ?? '').split(',')) if (m) names.add(m);
  if (names.size === 0) {
    throw new RpcError(Code.Unavailable, `no description of ${target.interface}: ${target.protocol === 'dubbo' ? 'the provider answers no MetadataService.getServiceDefinition and ' : ''}${target.registry ? 'the registry lists no methods for it' : 'there is no registry to ask (--registry)'}`);
  }
  return { interface: target.interface, source: 'registry', methods: [...names].sort().map((name) => ({ name })) };
}

/**
 * Dubbo's `MetadataService.getServiceDefinition(interface, version, group)`, which returns the
 * service definition JSON that Dubbo's tools (dubbo-admin's test page) read. Java exports it under
 * group = the application name, version 1.0.0; Meshlet's Dubbo providers answer it in any group.
 */
async function metadataService(target: Target, address: string, application: string | undefined, timeout: number): Promise<Description | undefined> {
  const json = await withGeneric(
    { interface: METADATA_SERVICE, protocol: 'dubbo', address, version: '1.0.0', group: application },
    timeout,
    (s) => s.$invoke('getServiceDefinition', ['java.lang.String', 'java.lang.String', 'java.lang.String'], [target.interface, target.version ?? null, target.group ?? null]),
  );
  if (typeof json !== 'string' || json === '') return undefined;
  const definition = JSON.parse(json) as { methods?: { name?: unknown; parameterTypes?: unknown; returnType?: unknown }[] };
  if (!Array.isArray(definition.methods)) return undefined;
  return {
    interface: target.interface,
    source: 'metadata-service',
    methods: definition.methods
      .filter((m) => typeof m.name === 'string')
      .map((m) => ({
        name: m.name as string,
        parameterTypes: Array.isArray(m.parameterTypes) ? m.parameterTypes.map(String) : [],
        ...(typeof m.returnType === 'string' ? { returnType: m.returnType } : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

async function providersOf(target: Target, waitMs: number): Promise<readonly Endpoint[]> {
  const registry = createRegistry(target.registry!);
  try {
    return await new Promise<readonly Endpoint[]>((resolve, reject) => {
      const timer = setTimeout(() => resolve([]), waitMs);
      registry.subscribe({ interface: target.interface, version: target.version, group: target.group }, (eps) => {
        clearTimeout(timer);
        resolve(eps);
      }).then((stop) => stop(), (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } finally {
    await registry.close();
  }
}
