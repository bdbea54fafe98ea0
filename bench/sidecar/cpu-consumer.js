#!/usr/bin/env node
// The load side of bench/sidecar/cpu.js: the conformance service's `echo` at a fixed number of
// calls in flight for a fixed time, directly (--target) or in sidecar mode (MESHLET_AGENT). Every
// call counts, warm-up included, because the harness divides the other processes' CPU time over
// this process's whole life by it. Prints one JSON line: calls, errors, seconds, own CPU µs.
import { createMeshlet, serviceDefinition } from 'meshlet-rpc';
import { EchoService } from '../../examples/conformance/service.js';
import { loadProtocol, parseArgs } from '../../examples/conformance/protocols.js';

const args = parseArgs(process.argv.slice(2));
const protocolName = args.protocol ?? 'dubbo';
const mesh = createMeshlet({ application: 'bench-sidecar-cpu', protocols: [await loadProtocol(protocolName)], registry: false, timeout: 10_000 });
const payload = 'x'.repeat(Number(args.payload ?? 1024));
const concurrency = Number(args.concurrency ?? 128);
// Motan peers call the conformance service in group `conformance` (CONFORMANCE.md).
const definition = protocolName === 'motan2' ? serviceDefinition({ ...EchoService, group: 'conformance' }, EchoService.methods.values()) : EchoService;
const echo = mesh.refer(definition, { url: typeof args.target === 'string' ? args.target : undefined, timeout: 10_000 });
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const end = t0 + Number(args.seconds ?? 3) * 1000;
let calls = 0;
let errors = 0;
let firstError;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (Date.now() < end) {
    try {
      await echo.echo(payload);
      calls++;
    } catch (err) {
      errors++;
      firstError ??= String(err?.message ?? err);
    }
  }
}));
const cpu = process.cpuUsage(cpu0);
const seconds = (Date.now() - t0) / 1000;
await mesh.stop(0);
console.log(JSON.stringify({ calls, errors, seconds, cpu_us: cpu.user + cpu.system, first_error: firstError }));
process.exit(0);
