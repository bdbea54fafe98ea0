// An app serving Ping with `meshlet`'s createMeshlet: sidecar mode when MESHLET_AGENT is set.
//   node test/sidecar/provider.js <protocol> [registry-url]
// Prints `READY <port>`; SIGTERM stops it gracefully (exit 0).
import { createMeshlet, dubbo, bolt, motan2 } from 'meshlet-rpc';
import { Ping } from './service.js';

const [protocol = 'dubbo', registry] = process.argv.slice(2);
const protocols = { dubbo, bolt, motan2 };
const mesh = createMeshlet({
  application: 'sidecar-test-provider',
  protocols: [protocols[protocol]()],
  registry: registry ?? false,
  server: { host: '127.0.0.1', port: 0 },
});
mesh.provide(Ping, { echo: (s) => s, whoami: () => `${process.pid}` });
await mesh.start();
console.log(`READY ${mesh.address().port}`);
process.once('SIGTERM', () => void mesh.stop(1000).then(() => process.exit(0)));
