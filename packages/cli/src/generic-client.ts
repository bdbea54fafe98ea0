// A throwaway runtime with one generic client: what `invoke` calls through and `describe` asks
// the MetadataService with. Its own module so invoke-command.ts and describe.ts both import it
// without importing each other.
import { createRuntime, type GenericService } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import type { Target } from './target.js';

/** Runs `use` with a generic client of the target on a runtime of its own, stopped after. */
export async function withGeneric<T>(target: Target, timeout: number, use: (service: GenericService) => Promise<T>): Promise<T> {
  const mesh = createRuntime({
    application: 'meshlet-cli',
    protocols: [dubbo(), bolt(), motan2(), rsocket()],
    ...(target.registry !== undefined && target.address === undefined ? { registry: createRegistry(target.registry) } : {}),
  });
  try {
    const service = mesh.generic({
      interface: target.interface, version: target.version, group: target.group, protocol: target.protocol, timeout,
      ...(target.address !== undefined ? { url: target.address } : {}),
    });
    return await use(service);
  } finally {
    await mesh.stop(0);
  }
}
