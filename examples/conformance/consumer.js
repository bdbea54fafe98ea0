#!/usr/bin/env node
// node examples/conformance/consumer.js --protocol dubbo --target 127.0.0.1:20880 [--only m1,m2]
// node examples/conformance/consumer.js --protocol dubbo --target … --bench [--method echo] [--payload 1024]
//      [--concurrency 128] [--seconds 5] [--connections 1] [--max-frame-size N]
import { createMeshlet, meshletMode, serviceDefinition } from 'meshlet-rpc';
import { EchoService } from './service.js';
import { cases, runCase } from './cases.js';
import { loadProtocol, parseArgs } from './protocols.js';
import { bench } from './bench.js';

const args = parseArgs(process.argv.slice(2));
const protocol = await loadProtocol(args.protocol ?? 'dubbo');
// In sidecar mode (MESHLET_AGENT) the agent finds the providers: neither is needed.
if (!args.target && !args.registry && meshletMode().mode === 'direct') {
  console.error('consumer: give --target host:port or --registry <url> (or set MESHLET_AGENT)');
  process.exit(2);
}
// Motan peers call the conformance service in group `conformance` (CONFORMANCE.md).
const definition = args.protocol === 'motan2' ? serviceDefinition({ ...EchoService, group: 'conformance' }, EchoService.methods.values()) : EchoService;
const mesh = createMeshlet({
  application: 'meshlet-conformance-consumer',
  protocols: [protocol],
  // Sidecar mode when MESHLET_AGENT is set; then --registry is where calls fall back to.
  registry: args.registry ?? false,
  timeout: 10_000,
  // Connections per provider address (1, as Dubbo's default shared connection).
  connections: Number(args.connections ?? 1),
  ...(args['max-frame-size'] ? { client: { maxFrameSize: Number(args['max-frame-size']) } } : {}),
});

let exitCode = 0;
try {
  if (args.bench) {
    const result = await bench(mesh, definition, args);
    console.log(JSON.stringify(result));
    exitCode = result.errors > 0 && result.calls === 0 ? 1 : 0;
  } else {
    exitCode = await conformance();
  }
} finally {
  await mesh.stop(0);
}
process.exit(exitCode);

async function conformance() {
  const only = typeof args.only === 'string' ? new Set(args.only.split(',')) : undefined;
  const clients = new Map();
  const clientFor = (timeout) => {
    if (!clients.has(timeout)) {
      clients.set(timeout, mesh.refer(definition, { url: args.target, timeout }));
    }
    return clients.get(timeout);
  };
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    if (only && !only.has(c.method)) continue;
    const result = await runCase(clientFor(c.timeout ?? 10_000), c, (cc) => clientFor(cc.timeout ?? 10_000)[cc.method](...cc.args));
    console.log(JSON.stringify(result));
    if (result.ok) passed++;
    else failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}
