// A provider process for the resilience suites: argv[2] is the protocol (dubbo, bolt, motan2,
// rsocket), argv[3] the registry URL (or `none`). Each call takes 5–40 ms, so a stop or a crash
// always finds calls in flight. Prints `READY <port>`; SIGTERM stops it with default settings.
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { Ledger } from './service.js';

const [protocolName, registryUrl] = process.argv.slice(2);
const protocols = { dubbo, bolt, motan2, rsocket };
const name = process.env.NAME ?? String(process.pid);
const mesh = createRuntime({
  application: 'resilience-provider',
  registry: registryUrl && registryUrl !== 'none' ? createRegistry(registryUrl) : undefined,
  // BOLT_GOAWAY=1: send MOSN's GoAway on stop (off by default, as Java Bolt clients do not know it).
  protocols: [protocols[protocolName](protocolName === 'bolt' && process.env.BOLT_GOAWAY === '1' ? { goAway: true } : undefined)],
  // HOST: the address to bind and publish (the network-fault suite's namespaces); loopback otherwise.
  server: { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) },
});
const work = () => new Promise((r) => setTimeout(r, 5 + Math.random() * 35));
mesh.provide(Ledger, {
  charge: async (n) => { await work(); return `${name}:${n}`; },
  lookup: async (n) => { await work(); return `${name}:${n}`; },
});
await mesh.start();
console.log(`READY ${mesh.address().port}`);
process.once('SIGTERM', () => void mesh.stop().then(() => process.exit(0)));
