#!/usr/bin/env node
// CPU per call of a consumer driven by xDS against the same consumer in direct mode (issue 18).
//
//   node bench/xds/cpu.js [--protocols dubbo,tri] [--modes direct,registry,xds] [--seconds 3] [--concurrency 128]
//                         [--payload 1024] [--repeat 5]
//
// Per protocol one conformance provider stays up for the whole run (registered in a fresh `local`
// registry), and one go-control-plane peer serves every xDS consumer. Each round runs
// bench/xds/client.js against each provider once per mode — direct (the provider's URL), registry
// (found in that registry) and xDS (MESHLET_XDS: Listener → RDS → EDS → that provider) — the
// order turning each round. Only the measured window counts: the consumer's own
// process.cpuUsage over it, and the provider's /proc CPU time between the consumer's `MEASURING`
// line and its result, each divided by the calls of the window (so the xDS client's start-up —
// loading Envoy's protos, the ADS handshake — is left out: it is paid once, not per call).
// Prints a table and one JSON line (medians per protocol and mode).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { children, cpuUs, start } from '../lib/processes.js';
import { benchControlPlane } from './control-plane.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const protocols = opt('protocols', 'dubbo,tri').split(',');
const modes = opt('modes', 'direct,registry,xds').split(',');
const registry = `local://${mkdtempSync(path.join(os.tmpdir(), 'meshlet-bench-xds-cpu-'))}`;
const seconds = Number(opt('seconds', '3'));
const concurrency = Number(opt('concurrency', '128'));
const payload = Number(opt('payload', '1024'));
const repeat = Math.max(1, Number(opt('repeat', '5')) | 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const load = ['--bench', '--seconds', String(seconds), '--concurrency', String(concurrency), '--payload', String(payload)];

try {
  const cp = await benchControlPlane();
  const providers = {};
  for (const protocol of protocols) {
    const proc = start(['examples/conformance/provider.js', '--protocol', protocol, '--port', '0', '--registry', registry], { MESHLET_AGENT: 'off' });
    providers[protocol] = { proc, port: Number(await proc.line(/^READY (\d+)$/m)) };
  }
  const runs = {};
  for (let i = 0; i < repeat; i++) {
    for (const protocol of protocols) {
      const p = providers[protocol];
      for (const mode of [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)]) {
        const args = ['bench/xds/client.js', '--protocol', protocol, '--target', `127.0.0.1:${p.port}`, ...load];
        if (mode === 'xds') args.push('--xds', `${cp.xdsPort},${cp.apiPort}`);
        if (mode === 'registry') args.push('--registry', registry);
        const c = start(args, { MESHLET_AGENT: 'off' });
        await c.line(/^(MEASURING)$/m);
        const p0 = cpuUs(p.proc.child.pid);
        const r = JSON.parse(await c.line(/^(\{.*\})$/m));
        const provider = cpuUs(p.proc.child.pid) - p0;
        if (r.errors > 0) process.stderr.write(`${protocol} ${mode}: ${r.errors} errors (${r.first_error})\n`);
        const row = { qps: r.calls / r.seconds, client: r.cpu_us / r.calls, provider: provider / r.calls };
        (runs[`${protocol} ${mode}`] ??= []).push(row);
        process.stderr.write(`run ${i + 1} ${protocol} ${mode}: ${Math.round(row.qps)} calls/s, µs/call consumer ${row.client.toFixed(2)}, provider ${row.provider.toFixed(2)}\n`);
      }
    }
  }
  const results = {};
  for (const [key, rs] of Object.entries(runs)) {
    results[key] = Object.fromEntries(['qps', 'client', 'provider'].map((k) => [k, Number(median(rs.map((r) => r[k])).toFixed(2))]));
  }
  console.log(`\nCPU per call, echo ${payload} B, ${concurrency} in flight, one connection, ${seconds} s × ${repeat} (medians); node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('pair            calls/s  consumer µs  provider µs  × direct (consumer CPU)  × direct (calls/s)');
  for (const [key, m] of Object.entries(results)) {
    const base = results[`${key.split(' ')[0]} direct`] ?? m;
    console.log(`${key.padEnd(14)}  ${String(Math.round(m.qps)).padStart(7)}  ${m.client.toFixed(2).padStart(11)}  ${m.provider.toFixed(2).padStart(11)}  ${(m.client / base.client).toFixed(2).padStart(23)}  ${(m.qps / base.qps).toFixed(2).padStart(18)}`);
  }
  console.log(JSON.stringify({ payload, concurrency, seconds, repeat, results }));
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const c of children) c.kill('SIGKILL');
  process.exit(0);
}
