#!/usr/bin/env node
// Scale figures for the Redis and ZooKeeper registries, against real servers started here on
// loopback (not a test: numbers, not assertions).
//
//   npx tsc -b packages/registry && node packages/registry/bench/scale.js [--subscribers 100] [--sizes 1000,10000] [--rounds 20] [--only redis|zookeeper]
//
// 1. fan-out: N registry instances (as N consumer processes would each have one; here all in this
//    process, so their notifications are handled one after another on one event loop) subscribe
//    to one service; a provider registers/unregisters an endpoint; time until the LAST of them has
//    the new set, per round (p50 / p99 / max).
// 2. size: one service with 1,000 and 10,000 registered instances (one provider registry
//    registering them all): time to register them, server memory they take, the provider's heap,
//    a new subscriber's time to its first full set and what it retains (heap with one more
//    subscriber instance minus without, after GC), and for Redis the time of
//    one renewal round (every instance's lease, pipelined).
import { endpoint } from '@meshlet/core';
import { RedisRegistry, ZookeeperRegistry } from '../dist/index.js';
import { RedisServer, ZooKeeperServer, redisCommand, fourLetterWord } from '../dist/testing/index.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SUBSCRIBERS = Number(opt('subscribers', 100));
const SIZES = opt('sizes', '1000,10000').split(',').map(Number);
const ROUNDS = Number(opt('rounds', 20));
const ONLY = opt('only', '');

const ms = (x) => Math.round(x * 10) / 10;
const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const sleep = (t) => new Promise((r) => setTimeout(r, t));
function heap() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}
async function until(check, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const backends = [
  {
    name: 'redis',
    start: () => RedisServer.start(),
    make: (server, query = '') => new RedisRegistry(`${server.url}${query}`),
    serverMemory: async (server) => Number(/used_memory:(\d+)/.exec(await redisCommand(server.port, 'INFO memory'))?.[1] ?? NaN),
  },
  {
    name: 'zookeeper',
    start: () => ZooKeeperServer.start({ tickTime: 500, maxSessionTimeout: 120_000 }),
    make: (server, query = '') => new ZookeeperRegistry(`${server.url}${query || '?'}${query ? '&' : ''}session=30000&timeout=20000`),
    serverMemory: async (server) => Number(/zk_approximate_data_size\s+(\d+)/.exec(await fourLetterWord(server.port, 'mntr'))?.[1] ?? NaN),
  },
];

async function fanOut(b, server) {
  const service = { interface: 'bench.FanOut', version: '1.0' };
  const provider = b.make(server);
  const subs = Array.from({ length: SUBSCRIBERS }, () => b.make(server));
  const seen = new Array(SUBSCRIBERS).fill(-1);
  await Promise.all(subs.map((r, i) => r.subscribe(service, (eps) => (seen[i] = eps.length))));
  const reg = endpoint('dubbo', '127.0.0.1', 20880);
  const lastTimes = [];
  for (let round = 0; round < ROUNDS; round++) {
    const want = round % 2 === 0 ? 1 : 0;
    const t0 = performance.now();
    if (want) await provider.register({ service, endpoint: reg, methods: ['x'] });
    else await provider.unregister({ service, endpoint: reg, methods: ['x'] });
    await until(() => seen.every((n) => n === want), 10_000, 'every subscriber');
    lastTimes.push(performance.now() - t0);
    await sleep(50);
  }
  await Promise.all([provider.close(), ...subs.map((s) => s.close())]);
  return { subscribers: SUBSCRIBERS, rounds: ROUNDS, p50_ms: ms(pct(lastTimes, 50)), p99_ms: ms(pct(lastTimes, 99)), max_ms: ms(Math.max(...lastTimes)) };
}

async function size(b, server, n) {
  const service = { interface: `bench.Size${n}`, version: '1.0' };
  const memBefore = await b.serverMemory(server);
  const heap0 = heap();
  const provider = b.make(server, '?timeout=20000');
  const t0 = performance.now();
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, j) =>
        provider.register({ service, endpoint: endpoint('dubbo', `10.${(i + j) >> 16 & 255}.${(i + j) >> 8 & 255}.${(i + j) & 255}`, 20880), methods: ['echo', 'ping'], application: 'bench' }),
      ),
    );
  }
  const registerMs = performance.now() - t0;
  const providerHeap = heap() - heap0;
  await sleep(200);
  const serverBytes = (await b.serverMemory(server)) - memBefore;
  let renewMs;
  if (b.name === 'redis') {
    // One renewal round, as the renew timer runs it: every lease extended, pipelined.
    const t1 = performance.now();
    await provider.renew();
    renewMs = performance.now() - t1;
  }
  const consumer = b.make(server, '?timeout=20000');
  const t2 = performance.now();
  let count = 0;
  const stop = await consumer.subscribe(service, (eps) => (count = eps.length));
  const firstReadMs = performance.now() - t2;
  if (count !== n) throw new Error(`${b.name}: first set has ${count}, expected ${n}`);
  // What the subscription retains: the heap with it, minus the heap once it is dropped (both after GC).
  await sleep(100);
  const withSub = heap();
  const probe = b.make(server, '?timeout=20000');
  let probeCount = 0;
  const probeStop = await probe.subscribe(service, (eps) => (probeCount = eps.length));
  const withTwo = heap();
  probeStop();
  await probe.close();
  const consumerHeap = withTwo - withSub;
  void probeCount;
  void stop;
  const t3 = performance.now();
  await provider.close();
  await until(() => count === 0, 60_000, 'the close to reach the subscriber');
  const closeMs = performance.now() - t3;
  await consumer.close();
  return {
    instances: n,
    register_all_ms: ms(registerMs),
    server_mb: mb(serverBytes),
    provider_heap_mb: mb(providerHeap),
    first_full_read_ms: ms(firstReadMs),
    subscriber_heap_mb: mb(consumerHeap),
    ...(renewMs === undefined ? {} : { renew_round_ms: ms(renewMs) }),
    close_all_to_subscriber_ms: ms(closeMs),
  };
}

const results = {};
for (const b of backends) {
  if (ONLY && b.name !== ONLY) continue;
  const server = await b.start();
  try {
    const out = { fan_out: await fanOut(b, server), sizes: [] };
    for (const n of SIZES) out.sizes.push(await size(b, server, n));
    results[b.name] = out;
    console.log(JSON.stringify({ registry: b.name, ...out }));
  } finally {
    await server.close();
  }
}
