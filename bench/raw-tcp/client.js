#!/usr/bin/env node
// Raw TCP pipelining client for bench/raw-tcp/server.js: keeps `--concurrency` frames in flight
// over ONE connection for `--seconds`, each frame `u32 length | u32 id | payload`. Responses come
// back in order, so latency is matched FIFO. New requests triggered by one read go out in one
// write. This is the ceiling the RPC rows are compared with.
//
//   node bench/raw-tcp/client.js --target 127.0.0.1:PORT --bench [--payload 16] [--concurrency 1]
//        [--seconds 5] [--warmup 0] [--connections 1] [--writes batched|per-frame]
//
// --writes per-frame: one socket.write per request frame; default batched: one write per read.
// Latencies go into a fixed-size log histogram (1 % buckets), so memory does not grow with calls.
//
// Prints one JSON line: {"calls":n,"errors":n,"qps":x,"p50_ms":x,"p99_ms":x,"rss_mb":x}
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { gatherer } from './gatherer.js';

function parseArgs(argv) {
  const o = { target: '', payload: 16, concurrency: 1, seconds: 5, warmup: 0, connections: 1, writes: 'batched' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--target': o.target = v(); break;
      case '--payload': o.payload = Number(v()); break;
      case '--concurrency': o.concurrency = Number(v()); break;
      case '--seconds': o.seconds = Number(v()); break;
      case '--warmup': o.warmup = Number(v()); break;
      case '--connections': o.connections = Number(v()); break;
      case '--writes': o.writes = v(); break;
      case '--bench': break;
      case '--method': case '--protocol': v(); break; // accepted for symmetry; always echo
      case '--max-frame-size': v(); break; // the server's limit; accepted so every row takes the same argv
      default:
        process.stderr.write(`raw-tcp client: unknown argument ${a}\n`);
        process.exit(2);
    }
  }
  const m = /^(.+):(\d+)$/.exec(o.target);
  if (!m) {
    process.stderr.write('raw-tcp client: --target host:port is required\n');
    process.exit(2);
  }
  o.host = m[1];
  o.port = Number(m[2]);
  if (o.connections !== 1) {
    process.stderr.write('raw-tcp client: one connection only\n');
    process.exit(2);
  }
  if (o.writes !== 'batched' && o.writes !== 'per-frame') {
    process.stderr.write('raw-tcp client: --writes batched|per-frame\n');
    process.exit(2);
  }
  o.concurrency = Math.max(1, o.concurrency | 0);
  return o;
}

const o = parseArgs(process.argv.slice(2));
const frameLen = 8 + o.payload;
const template = Buffer.alloc(frameLen, 0x78); // 'x' payload
template.writeUInt32BE(4 + o.payload, 0);

const sentAt = new Float64Array(o.concurrency); // FIFO ring of send times
let head = 0; // next response slot
let tail = 0; // next send slot
let nextId = 0;
let expectId = 0;
let inFlight = 0;
let running = true;
let recording = false;
let calls = 0;
let errors = 0;
// Log histogram: bucket b holds latencies in [1µs·1.01^b, 1µs·1.01^(b+1)).
const LOG_STEP = Math.log(1.01);
const hist = new Float64Array(2400);
let nLat = 0;
function record(ms) {
  let b = ms <= 0.001 ? 0 : Math.floor(Math.log(ms / 0.001) / LOG_STEP);
  if (b >= hist.length) b = hist.length - 1;
  hist[b]++;
  nLat++;
}
function percentile(p) {
  if (nLat === 0) return null;
  const rank = Math.ceil((p / 100) * nLat);
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b];
    if (seen >= rank) return 0.001 * Math.pow(1.01, b + 0.5);
  }
  return null;
}

const sock = net.connect(o.port, o.host);
sock.setNoDelay(true);

const perFrame = o.writes === 'per-frame';
function sendBatch(k) {
  if (k <= 0) return;
  if (perFrame) {
    const now = performance.now();
    for (let i = 0; i < k; i++) {
      const out = Buffer.allocUnsafe(frameLen);
      template.copy(out, 0);
      out.writeUInt32BE(nextId++ >>> 0, 4);
      sentAt[tail] = now;
      tail = tail + 1 === o.concurrency ? 0 : tail + 1;
      sock.write(out);
    }
    inFlight += k;
    return;
  }
  const out = Buffer.allocUnsafe(frameLen * k);
  const now = performance.now();
  for (let i = 0; i < k; i++) {
    const off = i * frameLen;
    template.copy(out, off);
    out.writeUInt32BE(nextId++ >>> 0, off + 4);
    sentAt[tail] = now;
    tail = tail + 1 === o.concurrency ? 0 : tail + 1;
  }
  inFlight += k;
  sock.write(out);
}

const gather = gatherer();
sock.on('data', (chunk) => {
  const buf = gather.join(chunk);
  if (buf === null) return;
  let off = 0;
  let done = 0;
  const now = performance.now();
  while (buf.length - off >= 4) {
    const len = buf.readUInt32BE(off);
    if (buf.length - off - 4 < len) break;
    const id = buf.readUInt32BE(off + 4);
    const t0 = sentAt[head];
    head = head + 1 === o.concurrency ? 0 : head + 1;
    if (recording) {
      if (id !== expectId >>> 0 || len !== 4 + o.payload) errors++;
      else {
        calls++;
        record(now - t0);
      }
    }
    expectId++;
    off += 4 + len;
    done++;
  }
  gather.keep(buf, off);
  inFlight -= done;
  if (running) sendBatch(done);
});
sock.on('error', (err) => {
  process.stderr.write(`raw-tcp client: ${err.message}\n`);
  process.exit(1);
});

sock.on('connect', () => {
  sendBatch(o.concurrency);
  setTimeout(() => {
    recording = true;
    const t0 = performance.now();
    setTimeout(() => {
      running = false;
      recording = false;
      const elapsed = (performance.now() - t0) / 1000;
      const rss = process.memoryUsage().rss;
      const pct = percentile;
      const round = (x, d = 3) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
      process.stdout.write(
        JSON.stringify({
          calls,
          errors,
          qps: round(calls / elapsed, 1),
          p50_ms: round(pct(50)),
          p99_ms: round(pct(99)),
          rss_mb: round(rss / 1048576, 1),
        }) + '\n'
      );
      sock.destroy();
      process.exit(0);
    }, o.seconds * 1000);
  }, o.warmup * 1000);
});
