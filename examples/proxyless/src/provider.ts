import { createMeshlet } from 'meshlet-rpc';
import { Catalog } from './contract.js';

// One provider version (`node provider.js v1`). It registers nowhere: the control plane lists its
// address in the endpoints it serves (EDS), as Istio lists a pod's.
const version = process.argv[2] ?? 'v1';
const mesh = createMeshlet({
  application: `catalog-${version}`,
  protocols: ['dubbo'],
  registry: false,
  server: { host: '127.0.0.1', port: 0 },
});
mesh.provide(Catalog, {
  version: () => version,
  slow: async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return version;
  },
});
await mesh.start();
console.log(`provider ${version}: ${Catalog.interface} listening on dubbo://127.0.0.1:${mesh.address()!.port}`);

process.once('SIGTERM', async () => {
  await mesh.stop();
  process.exit(0);
});
