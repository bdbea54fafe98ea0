// A Meshlet Dubbo provider in its own process, published in the registry named by argv[2]:
// prints `READY <port>`, serves until SIGTERM, then stops gracefully (deregisters, drains).
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { Echo } from './service.js';

const [url] = process.argv.slice(2);
const mesh = createRuntime({
  application: 'registry-test-provider',
  registry: createRegistry(url),
  protocols: [dubbo()],
  server: { host: '127.0.0.1', port: 0 },
});
let port = 0;
mesh.provide(Echo, { echo: (s) => s, whoami: () => port });
await mesh.start();
port = mesh.address().port;
console.log(`READY ${port}`);
process.once('SIGTERM', () => {
  void mesh.stop(1000).then(() => process.exit(0));
});
