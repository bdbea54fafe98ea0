#!/usr/bin/env node
// The raw-TCP reference for the connections rows of bench/fleet-size/run.js: what 1 vs C
// connections cost per call with no RPC framework at all, against bench/raw-tcp/server.js (frames
// `u32 length | u32 id | payload`, echoed). It sends the way Meshlet's client does, so the two
// ratios compare: --concurrency calls in flight, each answer starts the next call on a connection
// drawn at random (as a balancer over equal endpoints would), and a connection's frames queued
// within one tick go out in one write on the next tick.
//
//   node bench/fleet-size/raw.js --target 127.0.0.1:PORT [--connections 1] [--payload 1024] [--seconds 3]
//
// Connection i dials 127.0.0.(i+1), as client.js does. Prints one JSON line like client.js.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from '../../examples/conformance/protocols.js';
import { gatherer } from '../raw-tcp/gatherer.js';

const args = parseArgs(process.argv.slice(2));
const [, port] = String(args.target).split(':');
const count = Number(args.connections ?? 1);
const payload = Number(args.payload ?? 1024);
const concurrency = Number(args.concurrency ?? 128);
const seconds = Number(args.seconds ?? 3);

const frame = Buffer.alloc(8 + payload, 0x78);
frame.writeUInt32BE(4 + payload, 0);

let calls = 0;
let running = true;

class Conn {
  out = [];
  queued = false;
  gather = gatherer();
  constructor(host) {
    this.socket = net.connect(Number(port), host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.read(chunk));
    this.flush = () => {
      this.queued = false;
      const out = this.out;
      this.out = [];
      this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    };
  }

  send() {
    this.out.push(frame);
    if (!this.queued) {
      this.queued = true;
      process.nextTick(this.flush);
    }
  }

  read(chunk) {
    const buf = this.gather.join(chunk);
    if (buf === null) return;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - 4 < len) break;
      off += 4 + len;
      calls++;
      if (running) pick().send();
    }
    this.gather.keep(buf, off);
  }
}

const conns = Array.from({ length: count }, (_, i) => new Conn(`127.0.${(i + 1) >> 8}.${(i + 1) & 255}`));
const pick = () => conns[Math.floor(Math.random() * conns.length)];
await Promise.all(conns.map((c) => new Promise((res, rej) => c.socket.once('connect', res).once('error', rej))));

for (let i = 0; i < concurrency; i++) pick().send();
await new Promise((r) => setTimeout(r, 1000)); // warm up
const calls0 = calls;
const cpu0 = process.cpuUsage();
const start = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const n = calls - calls0;
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - start) / 1000;
running = false;
console.log(JSON.stringify({ calls: n, errors: 0, qps: Math.round(n / elapsed), p99_ms: null, cpu_us_per_call: Number(((cpu.user + cpu.system) / Math.max(1, n)).toFixed(2)) }));
for (const c of conns) c.socket.destroy();
process.exit(0);
