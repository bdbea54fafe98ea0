#!/usr/bin/env node
// Raw TCP echo server: the ceiling row of the bench. Frames are `u32 length | u32 id | payload`
// (length counts id + payload); every complete frame is echoed back unchanged. All complete
// frames found in one read go back in one write, which is what a well-batched RPC server does.
//
//   node bench/raw-tcp/server.js [--port 0] [--host 127.0.0.1] [--writes batched|per-frame] [--max-frame-size N]
//
// --writes per-frame: one socket.write per echoed frame (what a naive server does); default
// batched: one write per read.
//
// Prints `READY <port>` once listening; exits 0 on SIGTERM / SIGINT.
import net from 'node:net';
import { gatherer } from './gatherer.js';

function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1', writes: 'batched', maxFrameSize: 64 * 1024 * 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--host') o.host = argv[++i];
    else if (a === '--writes') o.writes = argv[++i];
    else if (a === '--max-frame-size') o.maxFrameSize = Number(argv[++i]);
    else if (a === '--protocol') i++; // accepted for symmetry with the conformance scripts
    else {
      process.stderr.write(`raw-tcp server: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  if (o.writes !== 'batched' && o.writes !== 'per-frame') {
    process.stderr.write('raw-tcp server: --writes batched|per-frame\n');
    process.exit(2);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
// Frame length (id + payload) above which a connection is dropped, as Meshlet's maxFrameSize does.
const MAX_FRAME = opts.maxFrameSize;
const sockets = new Set();
const perFrame = opts.writes === 'per-frame';

const server = net.createServer((sock) => {
  sockets.add(sock);
  sock.setNoDelay(true);
  const gather = gatherer();
  sock.on('data', (chunk) => {
    const buf = gather.join(chunk);
    if (buf === null) return;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (len > MAX_FRAME) {
        sock.destroy();
        return;
      }
      if (buf.length - off - 4 < len) break;
      if (perFrame) sock.write(buf.subarray(off, off + 4 + len));
      off += 4 + len;
    }
    if (off > 0 && !perFrame) sock.write(off === buf.length ? buf : buf.subarray(0, off));
    gather.keep(buf, off);
  });
  sock.on('error', () => {});
  sock.on('close', () => sockets.delete(sock));
});

server.listen(opts.port, opts.host, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

const stop = () => {
  server.close();
  for (const s of sockets) s.destroy();
  setTimeout(() => process.exit(0), 20).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
