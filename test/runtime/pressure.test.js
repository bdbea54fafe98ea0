// Issue 14, bounded memory against any peer, per protocol through the real runtime:
//  - a consumer that pipelines 300 × 1 MiB and never reads the replies: the provider stops taking
//    requests (its queued replies stay near the high-water mark), and once the replies are read
//    every call completes;
//  - one 9 MB argument beside 64 calls on the same connection fails alone with FRAME_TOO_LARGE.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';

const PROTOCOLS = { dubbo, bolt, motan2, rsocket };
const Echo = (protocol) => defineService({ interface: 'com.meshlet.test.Pressure', version: '1.0', protocol, methods: { echo: { params: [t.string], returns: t.string } } });

/**
 * A TCP proxy that forwards what the consumer sends and holds back the provider's replies: its
 * provider-side socket is paused, so to the provider this is a client that never reads. `release()`
 * lets the replies through.
 */
async function oneWayProxy(targetPort) {
  const pairs = [];
  const server = net.createServer((down) => {
    const up = net.connect({ host: '127.0.0.1', port: targetPort });
    up.pause();
    down.pipe(up);
    for (const s of [up, down]) s.on('error', () => {});
    up.on('close', () => down.destroy());
    down.on('close', () => up.destroy());
    pairs.push({ up, down });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    release: () => { for (const { up, down } of pairs) up.pipe(down); },
    close: () => { for (const { up, down } of pairs) { up.destroy(); down.destroy(); } server.close(); },
  };
}

for (const name of Object.keys(PROTOCOLS)) {
  test(`${name}: a consumer pipelining 300 × 1 MiB that never reads stalls the provider instead of growing it; reading again completes every call`, { timeout: 60_000 }, async () => {
    const def = Echo(name);
    const server = createRuntime({ protocols: [PROTOCOLS[name]()], server: { host: '127.0.0.1', port: 0 } });
    let handled = 0;
    server.provide(def, { echo: (s) => { handled++; return s; } });
    await server.start();
    const proxy = await oneWayProxy(server.address(name).port);
    const client = createRuntime({ protocols: [PROTOCOLS[name]()] });
    try {
      const ref = client.refer(def, { url: `127.0.0.1:${proxy.port}`, protocol: name, timeout: 30_000, cluster: 'failfast' });
      const mib = 'x'.repeat((1 << 20) - 64);
      const calls = Array.from({ length: 300 }, () => ref.echo(mib));
      const settled = calls.map((p) => p.then(() => 'ok', (e) => e));
      await new Promise((r) => setTimeout(r, 2000));
      // Each handled call queued a ~1 MiB reply nobody reads; a provider without back-pressure
      // handles all 300 (300 MiB queued). The bound: the 4 MiB high-water mark plus what the
      // kernel's socket buffers and one read's worth of requests hold (measured: 7-9 handled; 116-300
      // without back-pressure).
      assert.ok(handled < 40, `${name}: the provider handled ${handled} of 300 calls whose replies were not read`);
      proxy.release();
      const results = await Promise.all(settled);
      assert.deepEqual(results.filter((r) => r !== 'ok'), [], `${name}: every call completes once the replies are read`);
      assert.equal(handled, 300);
    } finally {
      proxy.close();
      await client.stop(0);
      await server.stop(0);
    }
  });

  test(`${name}: a 9 MB argument beside 64 calls on one connection fails alone with FRAME_TOO_LARGE, unsent`, { timeout: 30_000 }, async () => {
    const def = Echo(name);
    const server = createRuntime({ protocols: [PROTOCOLS[name]()], server: { host: '127.0.0.1', port: 0 } });
    server.provide(def, { echo: (s) => s });
    await server.start();
    const client = createRuntime({ protocols: [PROTOCOLS[name]()] });
    try {
      const ref = client.refer(def, { url: `127.0.0.1:${server.address(name).port}`, protocol: name, cluster: 'failfast', timeout: 10_000 });
      await ref.echo('warm'); // one connection, open
      const small = Array.from({ length: 64 }, (_, i) => ref.echo(`call ${i}`));
      const big = ref.echo('y'.repeat(9_000_000));
      await assert.rejects(big, (e) => RpcError.is(e, Code.FrameTooLarge));
      assert.deepEqual(await Promise.all(small), Array.from({ length: 64 }, (_, i) => `call ${i}`));
      assert.equal(await ref.echo('after'), 'after', 'the connection is still up');
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}

/** The bytes a Meshlet consumer sends for its first call, recorded on the way through a proxy. */
async function firstBytes(name, targetPort, def) {
  const seen = [];
  const server = net.createServer((down) => {
    const up = net.connect({ host: '127.0.0.1', port: targetPort });
    down.on('data', (c) => { seen.push(c); up.write(c); });
    up.pipe(down);
    for (const s of [up, down]) s.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = createRuntime({ protocols: [PROTOCOLS[name]()] });
  try {
    await client.refer(def, { url: `127.0.0.1:${server.address().port}`, protocol: name, cluster: 'failfast' }).echo('a call of some length');
  } finally {
    await client.stop(0);
    server.close();
  }
  return Buffer.concat(seen);
}

for (const name of Object.keys(PROTOCOLS)) {
  test(`${name}: a frame dripped one byte every 50 ms is closed at the frame deadline`, { timeout: 30_000 }, async () => {
    const def = Echo(name);
    const server = createRuntime({ protocols: [PROTOCOLS[name]()], server: { host: '127.0.0.1', port: 0, frameTimeout: 500 } });
    server.provide(def, { echo: (s) => s });
    await server.start();
    const port = server.address(name).port;
    try {
      const bytes = await firstBytes(name, port, def);
      const drip = net.connect({ host: '127.0.0.1', port });
      drip.on('error', () => {});
      drip.resume();
      await new Promise((r) => drip.once('connect', r));
      const closed = new Promise((r) => drip.once('close', r));
      const started = Date.now();
      let i = 0;
      const timer = setInterval(() => { if (!drip.destroyed && i < bytes.length) drip.write(bytes.subarray(i, ++i)); }, 50);
      const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(r, 5000, 'open'))]);
      clearInterval(timer);
      drip.destroy();
      assert.equal(outcome, 'closed', `${name}: the dripping peer was not closed`);
      assert.ok(i < bytes.length, 'closed before its frames were complete');
      assert.ok(Date.now() - started < 3000);
    } finally {
      await server.stop(0);
    }
  });
}
