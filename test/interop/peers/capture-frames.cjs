#!/usr/bin/env node
'use strict';
// Regenerates captured-frames.json: the exact bytes the npm consumers send (and what
// apache-dubbo-service answers), recorded by a loopback TCP proxy placed between
// dubbo-consumer-peer.cjs and dubbo-service-provider.cjs.
//
//   node test/interop/peers/capture-frames.cjs [--out test/interop/peers/captured-frames.json]
//
// The annotations (decoded fields) use hessian.js 2.11 and are for humans; the hex is the data.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const Hessian = require('hessian.js');

const here = __dirname;
const NODE = process.execPath;
const CASES = [
  'echo-hi', 'sayHello', 'echo-emoji', 'addInt', 'addLong-2^53+1', 'negate-true', 'reverseList', 'swapMap', 'fail',
  'addLong-boxed-2^53+1', 'echo-empty',
];
const CLIENTS = ['apache-dubbo-consumer', 'dubbo2.js'];

function startProvider() {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(here, 'dubbo-service-provider.cjs'), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    const t = setTimeout(() => reject(new Error('provider not ready')), 15000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /READY (\d+)/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`provider exited ${code}`)));
  });
}

// Splits a byte stream into dubbo frames (16-byte header, length at offset 12).
function frameSplitter(onFrame) {
  let acc = Buffer.alloc(0);
  return (chunk) => {
    acc = Buffer.concat([acc, chunk]);
    while (acc.length >= 16) {
      if (acc[0] !== 0xda || acc[1] !== 0xbb) throw new Error('bad magic in capture');
      const len = acc.readUInt32BE(12);
      if (acc.length < 16 + len) break;
      onFrame(Buffer.from(acc.subarray(0, 16 + len)));
      acc = acc.subarray(16 + len);
    }
  };
}

function startProxy(upstreamPort, record) {
  return new Promise((resolve) => {
    const server = net.createServer((down) => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      const toUp = frameSplitter((f) => record('request', f));
      const toDown = frameSplitter((f) => record('response', f));
      down.on('data', (d) => {
        toUp(d);
        up.write(d);
      });
      up.on('data', (d) => {
        toDown(d);
        down.write(d);
      });
      down.on('close', () => up.destroy());
      up.on('close', () => down.destroy());
      down.on('error', () => {});
      up.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function runConsumer(client, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(here, 'dubbo-consumer-peer.cjs'), '--client', client, '--target', `127.0.0.1:${port}`, '--cases', CASES.join(',')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`${client} exited ${code}`));
      resolve(out.trim().split('\n').map((l) => JSON.parse(l)));
    });
  });
}

// Counts JVM descriptors properly (I, J, Lpkg/Cls;, [I, [[Ljava/lang/String; ...).
function countDescriptors(desc) {
  let n = 0;
  for (let i = 0; i < desc.length; ) {
    while (desc[i] === '[') i++;
    if (desc[i] === 'L') i = desc.indexOf(';', i) + 1;
    else i++;
    n++;
  }
  return n;
}

function annotate(direction, frame) {
  const flag = frame[2];
  const out = {
    flag: '0x' + flag.toString(16),
    status: frame[3],
    id: frame.readBigInt64BE(4).toString(),
    bodyLength: frame.readUInt32BE(12),
  };
  try {
    const d = new Hessian.DecoderV2(frame.subarray(16));
    if (direction === 'request') {
      if (flag & 0x20) {
        out.event = d.read();
        return out;
      }
      // Each top-level hessian value with its own bytes, so a decoder test can target one segment.
      const body = frame.subarray(16);
      const segments = [];
      const seg = (field) => {
        const start = d.byteBuffer.position();
        const value = d.read();
        segments.push({ field, hex: body.subarray(start, d.byteBuffer.position()).toString('hex') });
        return value;
      };
      out.dubboVersion = seg('dubboVersion');
      out.path = seg('path');
      out.version = seg('version');
      out.method = seg('method');
      out.desc = seg('desc');
      out.args = [];
      for (let i = 0, n = countDescriptors(out.desc); i < n; i++) out.args.push(seg(`arg${i}`));
      out.attachments = seg('attachments');
      out.segments = segments;
    } else if (frame[3] !== 20) {
      out.message = d.read();
    } else {
      out.bodyFlag = d.readInt();
      if (out.bodyFlag === 0 || out.bodyFlag === 3) out.exception = d.read();
      if (out.bodyFlag === 1 || out.bodyFlag === 4) out.value = d.read();
      if (out.bodyFlag >= 3) out.attachments = d.read();
    }
  } catch (e) {
    out.decodeError = e.message;
  }
  return JSON.parse(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

async function main() {
  let outFile = path.join(here, 'captured-frames.json');
  const i = process.argv.indexOf('--out');
  if (i > 0) outFile = path.resolve(process.argv[i + 1]);
  const { child: provider, port } = await startProvider();
  const frames = [];
  try {
    for (const client of CLIENTS) {
      const seen = [];
      const proxy = await startProxy(port, (direction, buf) => seen.push({ direction, buf }));
      const results = await runConsumer(client, proxy.address().port);
      await new Promise((r) => setTimeout(r, 100));
      proxy.close();
      // Cases run one at a time, so the n-th request frame belongs to the n-th case; responses
      // are paired by request id.
      const requests = seen.filter((f) => f.direction === 'request' && !(f.buf[2] & 0x20));
      const responses = seen.filter((f) => f.direction === 'response');
      requests.forEach((req, n) => {
        const id = req.buf.readBigInt64BE(4);
        const res = responses.find((r) => r.buf.readBigInt64BE(4) === id);
        const caseName = results[n] ? results[n].case : `#${n}`;
        frames.push({ client, case: caseName, direction: 'request', hex: req.buf.toString('hex'), decoded: annotate('request', req.buf) });
        if (res) {
          frames.push({ client, case: caseName, direction: 'response', from: 'apache-dubbo-service@0.0.1', hex: res.buf.toString('hex'), decoded: annotate('response', res.buf) });
        }
      });
    }
  } finally {
    provider.kill('SIGTERM');
  }
  const doc = {
    description:
      'Exact Dubbo 2 frames (16-byte header + hessian2 body, hex) sent by the npm consumers apache-dubbo-consumer@4.0.0 and ' +
      'dubbo2.js@2.3.9 through test/interop/peers/dubbo-consumer-peer.cjs, and the answers of apache-dubbo-service@0.0.1 ' +
      '(dubbo-service-provider.cjs), recorded by a loopback TCP proxy. Each consumer ran in a fresh process, so request ids ' +
      'count from 1. The `decoded` objects are hessian.js 2.11 readings for humans; the hex is the test input. Attachment ' +
      'maps are written with keys sorted (hessian.js). Known provider defects visible here: primitive descriptors such as ' +
      '"II"/"JJ" are split on ";" (one argument decoded, error reply), business errors are flag 3 + a plain string, ' +
      'and every response carries {dubbo:"2.0.2"} because the request version is 2.0.2.',
    generatedBy: 'node test/interop/peers/capture-frames.cjs',
    generatedAt: new Date().toISOString(),
    node: process.version,
    echoHi: Object.fromEntries(
      CLIENTS.map((c) => [c, frames.find((f) => f.client === c && f.case === 'echo-hi' && f.direction === 'request')?.hex ?? null])
    ),
    frames,
  };
  fs.writeFileSync(outFile, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`wrote ${frames.length} frames to ${path.relative(process.cwd(), outFile)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`capture-frames: ${e.stack || e}\n`);
    process.exit(1);
  }
);
