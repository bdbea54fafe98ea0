import { createRuntime, type Meshlet, type RuntimeOptions, type ServiceDefinition } from '@meshlet/core';
import { triple, type TripleOptions } from './protocol.js';

/** A Triple provider on a free loopback port. */
export async function provider(
  services: [ServiceDefinition, object][],
  options: Partial<RuntimeOptions> & { triple?: TripleOptions } = {},
): Promise<{ mesh: Meshlet; port: number; url: string }> {
  const mesh = createRuntime({ protocols: [triple(options.triple)], server: { host: '127.0.0.1', port: 0 }, ...options });
  for (const [d, impl] of services) mesh.provide(d, impl);
  await mesh.start();
  const port = mesh.address()!.port;
  return { mesh, port, url: `127.0.0.1:${port}` };
}

export function consumer(options: Partial<RuntimeOptions> & { triple?: TripleOptions } = {}): Meshlet {
  return createRuntime({ protocols: [triple(options.triple)], ...options });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds (at most `ms`). */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
