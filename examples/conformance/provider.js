#!/usr/bin/env node
// node examples/conformance/provider.js --protocol dubbo --port 0 [--host 127.0.0.1] [--registry <url>] [--max-frame-size N]
// Prints `READY <port>` once calls are accepted; on SIGTERM stops gracefully and exits 0.
import { createMeshlet, serviceDefinition } from 'meshlet-rpc';
import { EchoService, echoImpl } from './service.js';
import { loadProtocol, parseArgs } from './protocols.js';
import { serve } from './serve.js';

const args = parseArgs(process.argv.slice(2));
const protocol = await loadProtocol(args.protocol ?? 'dubbo');
const mesh = createMeshlet({
  application: 'meshlet-conformance-provider',
  protocols: [protocol],
  // Sidecar mode when MESHLET_AGENT is set; then --registry is where calls fall back to.
  registry: args.registry ?? false,
  server: {
    host: args.host ?? '127.0.0.1', port: Number(args.port ?? protocol.defaultPort),
    // --max-frame-size N: the bench's 64 MiB echo needs more than the default 8 MiB.
    ...(args['max-frame-size'] ? { maxFrameSize: Number(args['max-frame-size']) } : {}),
  },
});
// Motan peers serve the conformance service in group `conformance` (CONFORMANCE.md).
const definition = args.protocol === 'motan2' ? serviceDefinition({ ...EchoService, group: 'conformance' }, EchoService.methods.values()) : EchoService;
mesh.provide(definition, echoImpl);
await serve(mesh);
