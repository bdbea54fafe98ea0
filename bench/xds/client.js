#!/usr/bin/env node
// The consumer of the xDS bench rows: the conformance service's `echo` at a fixed number of calls
// in flight, from a Meshlet consumer made by createMeshlet, in one of two modes and nothing else
// different:
//   direct:  node bench/xds/client.js --protocol dubbo --target 127.0.0.1:P --bench …
//            the reference names the provider's URL (no registry, no control plane).
//   registry: node bench/xds/client.js --protocol dubbo --target 127.0.0.1:P --registry local://DIR --bench …
//            the reference finds the provider in a registry (the provider registered there).
//   xDS:     node bench/xds/client.js --protocol dubbo --target 127.0.0.1:P --xds XDS_PORT,API_PORT --bench …
//            the process first puts a snapshot for its own node into the go-control-plane peer
//            (test/xds/control-plane.js: Listener = the interface, RDS route with a 3 s timeout, EDS
//            cluster ROUND_ROBIN, one endpoint: the provider), then sets MESHLET_XDS to a bootstrap
//            file naming that node; createMeshlet reads it, as in production, and the reference
//            (no URL) is driven by the control plane: every call goes through the mesh's route
//            table, cluster and endpoint policy.
// Warm-up (first call, which waits for the config in xDS mode, then 0.5 s at 16 in flight), then
// `--seconds` measured. Prints `MEASURING` when the measured window opens (bench/xds/cpu.js samples
// the provider's CPU there) and one JSON line at the end, run.js's contract plus the window's
// own CPU time: {"calls","errors","qps","p50_ms","p99_ms","rss_mb","seconds","cpu_us","first_error"}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMeshlet } from 'meshlet-rpc';
import { EchoService } from '../../examples/conformance/service.js';
import { loadProtocol, parseArgs } from '../../examples/conformance/protocols.js';
import { ControlPlane, cluster, listener, route, types } from '../../test/xds/control-plane.js';

const args = parseArgs(process.argv.slice(2));
const protocolName = args.protocol ?? 'dubbo';
const payload = Number(args.payload ?? 1024);
const concurrency = Number(args.concurrency ?? 128);
const seconds = Number(args.seconds ?? 3);
if (typeof args.target !== 'string') {
  console.error('bench/xds/client.js: give --target host:port (the provider)');
  process.exit(2);
}

let tmp;
if (typeof args.xds === 'string') {
  const [xdsPort, apiPort] = args.xds.split(',').map(Number);
  const node = `bench-xds-${process.pid}`;
  const cp = new ControlPlane('(started by the harness)', { node, xdsPort, apiPort });
  const [host, port] = args.target.split(':');
  await cp.set([
    listener(EchoService.interface, 'bench-routes'),
    // The route's timeout is the reference's (10 s): the deadline is still computed per call, but
    // both modes give up at the same time (a 3 s cap failed calls of the loaded tri rows).
    { ...route('bench-routes', 'echo'), virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo', timeout: '10s' } }] }] },
    cluster('echo'),
    {
      '@type': types.endpoints,
      cluster_name: 'echo',
      endpoints: [{ locality: { region: 'r1', zone: 'z1' }, lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } } }] }],
    },
  ]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'meshlet-bench-xds-'));
  writeFileSync(path.join(tmp, 'bootstrap.json'), JSON.stringify(cp.bootstrap()));
  process.env.MESHLET_XDS = path.join(tmp, 'bootstrap.json');
} else {
  delete process.env.MESHLET_XDS;
}

const registry = typeof args.registry === 'string' ? args.registry : false;
const mesh = createMeshlet({ application: 'bench-xds', protocols: [await loadProtocol(protocolName)], registry, timeout: 10_000, connections: 1 });
const url = typeof args.xds === 'string' || registry ? undefined : args.target;
const echo = mesh.refer(EchoService, { url, timeout: 10_000 });
const arg = 'x'.repeat(payload);

// Warm up: the connection (and in xDS mode the whole LDS → RDS → CDS → EDS chain), then the JIT.
await echo.echo(arg);
const warmEnd = performance.now() + 500;
while (performance.now() < warmEnd) await Promise.all(Array.from({ length: 16 }, () => echo.echo(arg)));

const latencies = [];
let calls = 0;
let errors = 0;
let firstError;
console.log('MEASURING');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const end = t0 + seconds * 1000;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      await echo.echo(arg);
      calls++;
      if ((calls & 7) === 0) latencies.push(performance.now() - t);
    } catch (err) {
      errors++;
      firstError ??= String(err?.message ?? err);
    }
  }
}));
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(3)) : null);
console.log(JSON.stringify({
  calls, errors, qps: Math.round(calls / elapsed), p50_ms: q(0.5), p99_ms: q(0.99),
  rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  seconds: elapsed, cpu_us: cpu.user + cpu.system, first_error: firstError,
}));
await mesh.stop(0);
if (tmp) rmSync(tmp, { recursive: true, force: true });
process.exit(calls === 0 ? 1 : 0);
