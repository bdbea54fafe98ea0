#!/usr/bin/env node
// New connections per second to a Meshlet Dubbo provider: each one a fresh TCP (or mTLS)
// connection, one Dubbo heartbeat answered over it, then closed. The heartbeat matters: under
// TLS 1.3 the client finishes its handshake before the server has checked the client's
// certificate, so only an answer proves the server accepted the connection.
//
//   node bench/tls/connect.js --target 127.0.0.1:PORT --bench [--concurrency 16] [--seconds 3]
//        [--tls-dir DIR [--identities spiffe://…] [--resume] [--shared-context]]
//
// --tls-dir: mTLS with DIR's cert.pem, key.pem, ca.pem (MESHLET_TLS_DIR's layout), as the engine
// dials (rejectUnauthorized, the server's SPIFFE ID checked instead of the host name when
// --identities is given). --resume: each new connection offers the session ticket the last one
// received (TLS 1.3 resumption), which the engine's dialer does not do today. --shared-context:
// one SecureContext made up front for every connection; without it each tls.connect is given the
// PEM text and parses it again (certificate, key, CA), as the engine's connectTls does today.
//
// Prints one JSON line: {"calls":n,"errors":n,"qps":x,"p50_ms":x,"p99_ms":x,"rss_mb":x,"cpu_us":n,"resumed":n}
// where a "call" is one connection opened, answered and closed, and cpu_us this process's CPU time
// during the load.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeHeartbeatRequest } from '@meshlet/transport-dubbo';

function parseArgs(argv) {
  const o = { target: '', concurrency: 16, seconds: 3, tlsDir: '', identities: [], resume: false, sharedContext: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--target': o.target = v(); break;
      case '--concurrency': o.concurrency = Number(v()); break;
      case '--seconds': o.seconds = Number(v()); break;
      case '--tls-dir': o.tlsDir = v(); break;
      case '--identities': o.identities = v().split(',').filter(Boolean); break;
      case '--resume': o.resume = true; break;
      case '--shared-context': o.sharedContext = true; break;
      case '--bench': break;
      // The harness's common client argv; a connection has no payload or method.
      case '--method': case '--payload': case '--connections': case '--protocol': case '--max-frame-size': v(); break;
      default:
        process.stderr.write(`connect: unknown argument ${a}\n`);
        process.exit(2);
    }
  }
  const m = /^(.+):(\d+)$/.exec(o.target);
  if (!m) {
    process.stderr.write('connect: --target host:port is required\n');
    process.exit(2);
  }
  return { ...o, host: m[1], port: Number(m[2]) };
}

const o = parseArgs(process.argv.slice(2));
const HEADER = 16;
const heartbeat = Buffer.from(encodeHeartbeatRequest(0, 1));

let secure;
if (o.tlsDir) {
  const read = (name) => readFileSync(join(o.tlsDir, name));
  const pem = { cert: read('cert.pem'), key: read('key.pem'), ca: read('ca.pem') };
  secure = { ...(o.sharedContext ? { secureContext: tls.createSecureContext(pem) } : pem), rejectUnauthorized: true };
  if (o.identities.length) {
    // The engine's rule: one of the expected identities among the server's URI or DNS SANs.
    secure.checkServerIdentity = (_host, cert) => {
      const sans = new X509Certificate(cert.raw).subjectAltName ?? '';
      return o.identities.some((id) => sans.includes(`URI:${id}`) || sans.includes(`DNS:${id}`)) ? undefined : new Error(`server identity not in ${o.identities}`);
    };
  }
}

let session; // the last ticket received, offered by the next connection with --resume
let resumed = 0;

/** One connection: open, handshake (TLS), one heartbeat answered, closed. Resolves its latency, ms. */
function once() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = secure
      ? tls.connect({ ...secure, host: o.host, port: o.port, ...(o.resume && session ? { session } : {}) })
      : net.connect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    if (secure && o.resume) socket.once('session', (s) => (session = s));
    let got = 0;
    const timer = setTimeout(() => fail(new Error('no heartbeat answer in 10 s')), 10_000);
    const fail = (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (secure && socket.isSessionReused()) resumed++;
      socket.write(heartbeat);
    });
    socket.on('data', (chunk) => {
      got += chunk.length;
      if (got < HEADER) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(performance.now() - t0);
    });
    socket.once('error', fail);
    socket.once('close', () => fail(new Error('closed before the heartbeat answer')));
  });
}

// Latencies in 1 % log buckets from 1 µs, as the other bench clients keep them.
const buckets = new Uint32Array(2000);
const bucketOf = (ms) => Math.min(buckets.length - 1, Math.max(0, Math.floor(Math.log(ms * 1000) / Math.log(1.01))));
const quantile = (q, n) => {
  if (n === 0) return null;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= q * n) return Math.round(1.01 ** i) / 1000;
  }
  return null;
};

let calls = 0;
let errors = 0;
let lastError;
const end = performance.now() + o.seconds * 1000;
const worker = async () => {
  while (performance.now() < end) {
    try {
      buckets[bucketOf(await once())]++;
      calls++;
    } catch (err) {
      errors++;
      lastError = err;
    }
  }
};
const start = performance.now();
const cpu0 = process.cpuUsage(); // the load only: module loading before it is not the connections' cost
await Promise.all(Array.from({ length: o.concurrency }, worker));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuUs = cpu.user + cpu.system;
if (lastError && calls === 0) process.stderr.write(`connect: ${lastError.message}\n`);
console.log(JSON.stringify({
  calls, errors, qps: Math.round(calls / elapsed), p50_ms: quantile(0.5, calls), p99_ms: quantile(0.99, calls),
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), cpu_us: cpuUs,
  ...(secure ? { resumed } : {}),
}));
