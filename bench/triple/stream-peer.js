#!/usr/bin/env node
// Server streaming, items per second: Meshlet Triple against grpc-js, the same shape (one call asks
// for N items of P bytes, the provider yields them, the consumer keeps C such calls in flight).
//   node bench/triple/stream-peer.js --serve tri|grpc --port 0          prints READY <port>
//   node bench/triple/stream-peer.js --load tri|grpc --target 127.0.0.1:P [--items 1000] [--payload 1024]
//        [--concurrency 4] [--seconds 3]
// The load prints one JSON line: calls (streams), items, errors, seconds, qps (= items/s), own CPU µs.
import { performance } from 'node:perf_hooks';
import { createRuntime, defineService, t } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { grpc } from '../grpc/load.js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);

const Items = defineService({
  interface: 'meshlet.bench.Items',
  methods: { items: { params: [t.int32, t.int32], returns: t.string, stream: true, timeout: 60_000 } },
});
const grpcItems = () => {
  const def = protoLoader.loadSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'items.proto'), { keepCase: true, defaults: true });
  return grpc.loadPackageDefinition(def).meshlet.bench.Items;
};

const serve = opt('serve', undefined);
const load = opt('load', undefined);
if (serve === 'tri') {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: Number(opt('port', '0')) } });
  mesh.provide(Items, {
    async *items(n, size) {
      const item = 'x'.repeat(size);
      for (let i = 0; i < n; i++) yield item;
    },
  });
  await mesh.start();
  console.log(`READY ${mesh.address().port}`);
  process.on('SIGTERM', () => void mesh.stop(0).then(() => process.exit(0)));
} else if (serve === 'grpc') {
  const server = new grpc.Server();
  server.addService(grpcItems().service, {
    Items(call) {
      const item = { text: 'x'.repeat(call.request.size) };
      let i = 0;
      // Writes as the stream's buffer allows (grpc-js's own flow control), as the Meshlet provider does.
      const more = () => {
        while (i < call.request.n) {
          i++;
          if (!call.write(item)) return void call.once('drain', more);
        }
        call.end();
      };
      more();
    },
  });
  server.bindAsync(`127.0.0.1:${opt('port', '0')}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`grpc stream server: ${err.message}\n`);
      process.exit(1);
    }
    console.log(`READY ${port}`);
  });
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
} else if (load === 'tri' || load === 'grpc') {
  const target = opt('target', '');
  const n = Number(opt('items', '1000'));
  const size = Number(opt('payload', '1024'));
  const seconds = Number(opt('seconds', '3'));
  let oneStream;
  let close;
  if (load === 'tri') {
    const mesh = createRuntime({ protocols: [triple()] });
    const ref = mesh.refer(Items, { url: target });
    oneStream = async () => {
      let k = 0;
      for await (const _ of await ref.items(n, size)) k++;
      return k;
    };
    close = () => mesh.stop(0);
  } else {
    const Client = grpcItems();
    const client = new Client(target, grpc.credentials.createInsecure());
    oneStream = () => new Promise((resolve, reject) => {
      let k = 0;
      const call = client.Items({ n, size });
      call.on('data', () => k++);
      call.on('error', reject);
      call.on('end', () => resolve(k));
    });
    close = () => client.close();
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let calls = 0;
  let items = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: Number(opt('concurrency', '4')) }, async () => {
    while (performance.now() < end) {
      try {
        const k = await oneStream();
        items += k;
        calls++;
      } catch {
        errors++;
      }
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await close();
  console.log(JSON.stringify({ calls, items, errors, seconds: elapsed, qps: Math.round(items / elapsed), cpu_us: cpu.user + cpu.system, rss_mb: Math.round(process.memoryUsage().rss / 1048576) }));
  process.exit(0);
} else {
  process.stderr.write('usage: stream-peer.js --serve tri|grpc --port 0 | --load tri|grpc --target host:port [...]\n');
  process.exit(2);
}
