#!/usr/bin/env node
// Starts an agent from another build of @meshlet/agent, for bench/sidecar/cpu.js --compare:
//   node bench/sidecar/agent-runner.js <dir with that build's index.js> <registry URL>
// Prints `READY {"egress":[port],...}` as `meshlet agent` does; SIGTERM stops it.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, registry] = process.argv.slice(2);
const { startAgent } = await import(pathToFileURL(path.resolve(dir, 'index.js')).href);
const agent = await startAgent({ overrides: { registry, port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0 } });
console.log(`READY ${JSON.stringify(agent.addresses)}`);
process.once('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
