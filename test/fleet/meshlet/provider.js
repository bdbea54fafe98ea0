#!/usr/bin/env node
// The Meshlet side of the fleet suite as a provider: the conformance kit's EchoService and the
// FleetService, on one protocol, with the kit's conventions (READY <port>, graceful SIGTERM, exit 0).
// node test/fleet/meshlet/provider.js --protocol dubbo --port 0 [--registry <url>] [--group g] [--host h]
import { createMeshlet, serviceDefinition } from 'meshlet-rpc';
import { EchoService, echoImpl } from '../../../examples/conformance/service.js';
import { loadProtocol, parseArgs } from '../../../examples/conformance/protocols.js';
import { FleetService, fleetImpl } from './fleet-service.js';
import { serve } from '../../../examples/conformance/serve.js';

const args = parseArgs(process.argv.slice(2));
const protocol = await loadProtocol(args.protocol ?? 'dubbo');
// Motan peers find services by group; the conformance kit's is `conformance`.
const group = args.group ?? (args.protocol === 'motan2' ? 'conformance' : undefined);
const inGroup = (def) => (group ? serviceDefinition({ ...def, group }, def.methods.values()) : def);
const mesh = createMeshlet({
  application: args.application ?? 'meshlet-fleet-provider',
  protocols: [protocol],
  registry: args.registry ?? false,
  server: { host: args.host ?? '127.0.0.1', port: Number(args.port ?? 0) },
});
mesh.provide(inGroup(EchoService), echoImpl);
mesh.provide(inGroup(FleetService), fleetImpl);
await serve(mesh);
