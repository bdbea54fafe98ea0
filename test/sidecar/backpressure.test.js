// The agent's relay holds bounded memory against a caller that pipelines huge frames and never
// reads (issue 14, item 3 in sidecar mode): a raw socket sends 300 × 1 MiB Dubbo requests to the
// agent's app port and never reads a byte back. Once the bytes a caller makes the agent hold (its
// requests in flight, its unread replies) pass the high-water mark, the agent stops reading that
// caller; its peak RSS stays within 64 MiB of where it started, and it keeps serving others.
// Both ways: a provider that answers (the replies pile up toward the caller) and a provider that
// never reads (SIGSTOPped: the requests pile up toward it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { createMeshlet, dubbo } from 'meshlet-rpc';
import { localRegistry, sleep, startAgent, startProcess } from './helpers.js';
import { Ping } from './service.js';

const provider = new URL('./provider.js', import.meta.url).pathname;
const MiB = 1024 * 1024;

describe('a caller that pipelines 300 × 1 MiB to the agent and never reads', () => {
  let registry;
  let agent;
  let app;
  let consumer;
  let frame;
  before(async () => {
    registry = await localRegistry();
    agent = await startAgent({ registry });
    app = startProcess([provider, 'dubbo', registry], { env: { MESHLET_AGENT: 'off' }, name: 'provider' });
    await app.started;
    frame = await captureRequest('x'.repeat(MiB - 200));
    consumer = createMeshlet({ application: 'backpressure-bystander', agent: agent.url, registry: false, protocols: [dubbo()] }, {});
    const ping = consumer.refer(Ping, { timeout: 10_000 });
    // Warm: the agent's routes, connections and a 1 MiB reply's buffers exist before the baseline.
    assert.equal((await ping.echo('y'.repeat(MiB))).length, MiB);
  });
  after(async () => {
    await consumer?.stop(0);
    if (app) {
      app.child.kill('SIGCONT');
      await app.stop('SIGKILL');
    }
    await agent?.stop('SIGKILL');
  });

  test('provider answering: the replies wait in the caller\'s socket, the agent stops reading it; others are served', async (t) => {
    const baseline = resetPeak(agent.child.pid);
    const peer = await pipeline(agent.port, frame, 300);
    try {
      await stalled(peer);
      // Others are still served, promptly, through the same agent and provider.
      const ping = consumer.refer(Ping, { timeout: 10_000 });
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) assert.equal(await ping.echo(`small ${i}`), `small ${i}`);
      assert.ok(Date.now() - t0 < 5000, `20 calls through the agent took ${Date.now() - t0} ms`);
      const { hwm } = memory(agent.child.pid);
      t.diagnostic(`agent RSS ${mb(baseline)} MiB before, peak ${mb(hwm)} MiB`);
      assert.ok(hwm - baseline < 64 * MiB, `agent peak RSS ${mb(hwm)} MiB, ${mb(hwm - baseline)} MiB over its ${mb(baseline)} MiB baseline`);
      const taken = (await agent.status()).counters.egress.dubbo.requests;
      assert.ok(taken < 150, `the agent took ${taken} requests; it should have stopped reading the caller long before 300`);
    } finally {
      peer.destroy();
    }
  });

  test('provider not reading (SIGSTOP): the requests wait, the agent stops reading the caller; its API answers', async (t) => {
    await sleep(200); // let the previous caller's close release its requests
    const baseline = resetPeak(agent.child.pid);
    app.child.kill('SIGSTOP');
    const peer = await pipeline(agent.port, frame, 300);
    try {
      await stalled(peer);
      const t0 = Date.now();
      const status = await agent.status();
      assert.ok(Date.now() - t0 < 3000, `/status took ${Date.now() - t0} ms`);
      assert.ok(status.counters.egress.dubbo.inFlight < 100, `in flight at the agent: ${status.counters.egress.dubbo.inFlight}`);
      const { hwm } = memory(agent.child.pid);
      t.diagnostic(`agent RSS ${mb(baseline)} MiB before, peak ${mb(hwm)} MiB`);
      assert.ok(hwm - baseline < 64 * MiB, `agent peak RSS ${mb(hwm)} MiB, ${mb(hwm - baseline)} MiB over its ${mb(baseline)} MiB baseline`);
    } finally {
      peer.destroy();
      app.child.kill('SIGCONT');
    }
  });
});

/** The Dubbo request frame Meshlet's client sends for `Ping.echo(arg)`, caught by a raw server. */
async function captureRequest(arg) {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const mesh = createMeshlet({ application: 'capture', registry: false, protocols: [dubbo()] }, {});
  try {
    const got = new Promise((resolve) => server.once('connection', (socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 16) {
          const end = 16 + buf.readUInt32BE(12);
          if (buf.length < end) return;
          const f = buf.subarray(0, end);
          buf = buf.subarray(end);
          if ((f[2] & 0x20) === 0) resolve(Buffer.from(f)); // a request, not an event (heartbeat)
        }
      });
    }));
    const ping = mesh.refer(Ping, { url: `127.0.0.1:${server.address().port}`, timeout: 120_000 });
    ping.echo(arg).catch(() => {}); // never answered: the server only reads it
    return await got;
  } finally {
    await mesh.stop(0);
    server.close();
  }
}

/** Connects to `port` and writes `frame` `count` times; never reads. */
async function pipeline(port, frame, count) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.pause();
  for (let i = 0; i < count; i++) socket.write(frame); // the same buffer: our own memory stays small
  return socket;
}

/** Resolves once the peer's unsent bytes stop going down for 1.5 s (the agent stopped reading), or all went. */
async function stalled(socket) {
  const deadline = Date.now() + 30_000;
  let last = socket.writableLength;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = socket.writableLength;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= 1500) {
      return;
    }
  }
  throw new Error(`the peer's writes never settled (${last} bytes unsent)`);
}

/** The agent's RSS now, with its peak (VmHWM) reset to it where the kernel allows (`clear_refs` 5). */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not allowed here: the peak since start is compared, which only makes the bound stricter
  }
  return memory(pid).rss;
}

function memory(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const mb = (n) => Math.round(n / MiB);
