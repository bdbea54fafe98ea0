#!/usr/bin/env node
// CPU per call over mutual TLS against plaintext, per protocol, measured in the same rounds.
//
//   node bench/tls/cpu.js [--protocols dubbo,bolt,motan2,rsocket] [--seconds 3] [--concurrency 128]
//                         [--payload 1024] [--repeat 3] [--no-handshakes]
//
// Per protocol, two conformance providers stay up for the whole run: one plaintext, one with
// MESHLET_TLS_DIR (strict mTLS). A consumer process (bench/sidecar/cpu-consumer.js, the echo load
// at a fixed number in flight) calls one, then the other, alternating which goes first, --repeat
// times; with TLS it has MESHLET_TLS_DIR and MESHLET_TLS_IDENTITIES (the provider's SPIFFE ID).
// Each process's CPU time (provider: /proc/<pid>/stat; consumer: its own process.cpuUsage) over
// the consumer's life is divided by the calls made. On a machine other work keeps busy, CPU per
// call moves far less than calls/s (bench/run.js's mTLS rows), so this is the cost to quote.
// Then the same for new connections (bench/tls/connect.js against a Dubbo provider, 16 opening at a
// time, each answered with a heartbeat and closed): plaintext, mTLS as the engine dials (a context
// per dial), with one shared SecureContext, and with session resumption; CPU per connection.
// Prints tables and one JSON line (medians per protocol and mode).
import os from 'node:os';
import { PROVIDER_ID, makeBenchCerts } from './certs.js';
import { children, cpuUs, start } from '../lib/processes.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const protocols = opt('protocols', 'dubbo,bolt,motan2,rsocket').split(',').filter(Boolean);
const seconds = Number(opt('seconds', '3'));
const concurrency = Number(opt('concurrency', '128'));
const payload = Number(opt('payload', '1024'));
const repeat = Math.max(1, Number(opt('repeat', '3')) | 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

async function measure(protocol, certs) {
  const provider = (env) => start(['examples/conformance/provider.js', '--protocol', protocol, '--port', '0'], { MESHLET_AGENT: 'off', ...env });
  const plain = provider({});
  const mtls = provider({ MESHLET_TLS_DIR: certs.provider });
  const servers = {
    plain: { proc: plain, port: Number(await plain.line(/^READY (\d+)$/m)), env: {} },
    mtls: { proc: mtls, port: Number(await mtls.line(/^READY (\d+)$/m)), env: { MESHLET_TLS_DIR: certs.consumer, MESHLET_TLS_IDENTITIES: PROVIDER_ID } },
  };
  const runs = { plain: [], mtls: [] };
  for (let i = 0; i < repeat; i++) {
    // The order turns each round, so neither mode always runs on the warmer (or busier) machine.
    for (const mode of i % 2 === 0 ? ['plain', 'mtls'] : ['mtls', 'plain']) {
      const s = servers[mode];
      const p0 = cpuUs(s.proc.child.pid);
      const c = start(['bench/sidecar/cpu-consumer.js', '--protocol', protocol, '--seconds', String(seconds), '--concurrency', String(concurrency),
        '--payload', String(payload), '--target', `127.0.0.1:${s.port}`], { MESHLET_AGENT: 'off', ...s.env });
      const r = JSON.parse(await c.line(/^(\{.*\})$/m));
      const p = cpuUs(s.proc.child.pid) - p0;
      if (r.errors > 0) process.stderr.write(`${protocol} ${mode}: ${r.errors} errors (${r.first_error})\n`);
      runs[mode].push({ qps: r.calls / r.seconds, consumer: r.cpu_us / r.calls, provider: p / r.calls });
      process.stderr.write(`${protocol} run ${i + 1} ${mode}: ${Math.round(r.calls / r.seconds)} calls/s, µs/call consumer ${(r.cpu_us / r.calls).toFixed(1)}, provider ${(p / r.calls).toFixed(1)}\n`);
    }
  }
  plain.child.kill('SIGTERM');
  mtls.child.kill('SIGTERM');
  const summary = {};
  for (const mode of ['plain', 'mtls']) {
    summary[mode] = Object.fromEntries(['qps', 'consumer', 'provider'].map((k) => [k, Number(median(runs[mode].map((r) => r[k])).toFixed(1))]));
  }
  return summary;
}

/** CPU per new connection, client and provider, per way of dialing (see the header). */
async function handshakes(certs) {
  const provider = (env) => start(['examples/conformance/provider.js', '--protocol', 'dubbo', '--port', '0'], { MESHLET_AGENT: 'off', ...env });
  const plain = provider({});
  const mtls = provider({ MESHLET_TLS_DIR: certs.provider });
  const ports = { plain: Number(await plain.line(/^READY (\d+)$/m)), mtls: Number(await mtls.line(/^READY (\d+)$/m)) };
  const tlsArgs = ['--tls-dir', certs.consumer, '--identities', PROVIDER_ID];
  const modes = {
    tcp: [plain, ports.plain, []],
    mtls: [mtls, ports.mtls, tlsArgs],
    'mtls-ctx': [mtls, ports.mtls, [...tlsArgs, '--shared-context']],
    'mtls-resume': [mtls, ports.mtls, [...tlsArgs, '--shared-context', '--resume']],
  };
  const runs = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let i = 0; i < repeat; i++) {
    const order = Object.keys(modes);
    for (const mode of [...order.slice(i % order.length), ...order.slice(0, i % order.length)]) {
      const [server, port, extra] = modes[mode];
      const p0 = cpuUs(server.child.pid);
      const c = start(['bench/tls/connect.js', '--target', `127.0.0.1:${port}`, '--concurrency', '16', '--seconds', String(seconds), ...extra]);
      const r = JSON.parse(await c.line(/^(\{.*\})$/m));
      await new Promise((resolve) => (c.child.exitCode !== null ? resolve() : c.child.once('exit', resolve)));
      const p = cpuUs(server.child.pid) - p0;
      if (r.errors > 0) process.stderr.write(`connect ${mode}: ${r.errors} errors\n`);
      runs[mode].push({ qps: r.qps, client: r.cpu_us / r.calls, provider: p / r.calls });
      process.stderr.write(`connect run ${i + 1} ${mode}: ${r.qps} connections/s, µs/connection client ${(r.cpu_us / r.calls).toFixed(0)}, provider ${(p / r.calls).toFixed(0)}\n`);
    }
  }
  plain.child.kill('SIGTERM');
  mtls.child.kill('SIGTERM');
  return Object.fromEntries(Object.entries(runs).map(([mode, rs]) => [mode, Object.fromEntries(['qps', 'client', 'provider'].map((k) => [k, Math.round(median(rs.map((r) => r[k])))]))]));
}

try {
  const certs = await makeBenchCerts(process.env.BENCH_TLS_KEY === 'rsa' ? 'rsa' : 'ec');
  const results = {};
  for (const protocol of protocols) results[protocol] = await measure(protocol, certs);
  console.log(`\nCPU per call, echo ${payload} B, ${concurrency} in flight, one connection, ${seconds} s × ${repeat} (medians); node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('protocol  mode    calls/s  consumer µs  provider µs  total µs  × plaintext');
  for (const [protocol, r] of Object.entries(results)) {
    const base = r.plain.consumer + r.plain.provider;
    for (const mode of ['plain', 'mtls']) {
      const m = r[mode];
      const total = m.consumer + m.provider;
      console.log(`${protocol.padEnd(8)}  ${mode.padEnd(5)}  ${String(Math.round(m.qps)).padStart(8)}  ${m.consumer.toFixed(1).padStart(11)}  ${m.provider.toFixed(1).padStart(11)}  ${total.toFixed(1).padStart(8)}  ${(total / base).toFixed(2).padStart(11)}`);
    }
  }
  const connects = argv.includes('--no-handshakes') ? undefined : await handshakes(certs);
  if (connects) {
    console.log(`\nNew connections to a Dubbo provider, 16 opening at a time, each answered (one heartbeat) and closed (medians)\n`);
    console.log('mode          connections/s  client µs  provider µs');
    for (const [mode, m] of Object.entries(connects)) {
      console.log(`${mode.padEnd(12)}  ${String(m.qps).padStart(13)}  ${String(m.client).padStart(9)}  ${String(m.provider).padStart(11)}`);
    }
  }
  console.log(JSON.stringify({ payload, concurrency, seconds, repeat, results, connects }));
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const c of children) c.kill('SIGKILL');
}
