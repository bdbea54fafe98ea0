// Peers that never read, over mTLS (issue 16 follow-up). Node encrypts inside the TLS layer and
// hands the ciphertext to the TCP handle underneath, so the plaintext tests
// (test/runtime/pressure.test.js, core's limits.test.ts) do not show what a TLS socket holds:
//  - a raw TLS client pipelines small requests whose replies are 1 MiB each and never reads: the
//    provider stops reading it once its writes pass the high-water mark, so more requests add
//    nothing (measured on the TCP handle under the provider's TLS socket: `writeQueueSize`),
//    another consumer is served meanwhile, and the idle limit (`idleTimeout`) closes the stalled
//    connection. What it holds is the replies to every request of the one read it had taken
//    before any reply was written (a read is one 16 KiB TLS record here: 35-133 requests, so
//    31-129 MiB): the high-water mark bounds what comes after, not that first read;
//  - a Meshlet consumer calling a TLS server that accepts and never reads: every call fails typed
//    (TIMEOUT) at its deadline, and nothing is left pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { createMeshlet } from 'meshlet-rpc';
import { Code, defineService, RpcError, t } from '@meshlet/core';
import { makeCerts, SPIFFE_SERVER } from './certs.js';
import { until } from './until.js';

const certs = await makeCerts();
const PROTOCOLS = ['dubbo', 'bolt', 'motan2'];
const MiB = 1024 * 1024;
const REPLY = 'r'.repeat(MiB);
const Big = defineService({
  interface: 'com.meshlet.test.TlsNeverReads',
  version: '1.0',
  methods: { fetch: { params: [t.string], returns: t.string }, ping: { params: [t.string], returns: t.string } },
});

const pair = (leaf) => ({ cert: leaf.cert, key: leaf.key, ca: certs.ca.cert });
const serverTls = { ...pair(certs.server), requestCert: true, rejectUnauthorized: true };
const clientTls = { ...pair(certs.client), identities: [SPIFFE_SERVER] };

/**
 * The bytes of one `fetch('q')` request frame as a Meshlet consumer of `protocol` writes it, read
 * by a plaintext listener of ours (whatever a connection sends first up to the first call's frame).
 */
async function requestFrame(protocol) {
  const chunks = [];
  let got;
  const gotOne = new Promise((r) => (got = r));
  const server = net.createServer((s) => {
    s.on('data', (d) => {
      chunks.push(d);
      got();
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const mesh = createMeshlet({ protocols: [protocol], registry: false }, {});
  const ref = mesh.refer(Big, { url: `127.0.0.1:${server.address().port}`, timeout: 1500, cluster: 'failfast' });
  const call = ref.fetch('q').catch(() => {});
  await gotOne;
  // Let the rest of the frame (if split) arrive.
  await new Promise((r) => setTimeout(r, 200));
  await mesh.stop(0);
  await call;
  server.close();
  return Buffer.concat(chunks);
}

/**
 * The provider-side TCP sockets of this process whose local port is `port`. Under TLS the
 * TLSSocket is not a handle of its own: its ciphertext goes to the TCP handle of the socket it
 * wraps, and what that handle holds for the kernel is `_handle.writeQueueSize`.
 */
function providerSockets(port) {
  return process._getActiveHandles().filter((h) => h instanceof net.Socket && !(h instanceof tls.TLSSocket) && h.localPort === port);
}

/** Bytes of ciphertext the provider's process holds for `socket`, not yet taken by the kernel. */
const queued = (socket) => socket._handle?.writeQueueSize ?? 0;

for (const protocol of PROTOCOLS) {
  test(`${protocol}: a TLS client pipelining requests for 1 MiB replies that never reads: the provider stops reading it after one read, holds no more for more requests, serves others, closes it when idle`, { timeout: 90_000 }, async (t) => {
    const frame = await requestFrame(protocol);
    let handled = 0;
    const provider = createMeshlet({ protocols: [protocol], registry: false, server: { host: '127.0.0.1', port: 0, tls: serverTls, idleTimeout: 4000 } }, {});
    provider.provide(Big, { fetch: async () => { handled++; return REPLY; }, ping: async (s) => s });
    await provider.start();
    const port = provider.address(protocol).port;
    const other = createMeshlet({ protocols: [protocol], registry: false, client: { tls: clientTls } }, {});
    const raw = tls.connect({ host: '127.0.0.1', port, ...pair(certs.client), servername: 'localhost' });
    let rawClosedAt;
    raw.on('close', () => (rawClosedAt = Date.now()));
    raw.on('error', () => {});
    try {
      await once(raw, 'secureConnect');
      raw.pause(); // never reads: TLS records pile up in the kernel, then in the provider
      const [sock] = await until('the provider\'s socket', 5000, () => providerSockets(port));
      const before = process.memoryUsage();
      const burst = async (n) => {
        for (let i = 0; i < n; i++) raw.write(frame);
        // The provider handles requests until its socket is congested, then stops reading it.
        let last = -1;
        await until('the provider to stop handling the stalled connection\'s requests', 20_000, async () => {
          const now = handled;
          const stable = now > 0 && now === last;
          last = now;
          if (!stable) await new Promise((r) => setTimeout(r, 750));
          return stable;
        });
      };
      // 300 requests: 300 MiB of replies if the provider took them all.
      await burst(300);
      const first = { handled, queued: queued(sock) };
      // What one read (64 KiB of ciphertext) held: the requests of it were all dispatched before
      // their replies were written, so this is the overshoot past the high-water mark.
      const perRead = Math.ceil((64 * 1024) / frame.length);
      // 300 more: the provider must take none of them.
      await burst(300);
      const after = process.memoryUsage();
      const held = queued(sock);
      const grew = after.arrayBuffers - before.arrayBuffers;
      t.diagnostic(`${protocol}: ${frame.length}-byte requests; handled ${first.handled} of the first 300, ${handled} of 600; ` +
        `provider holds ${(first.queued / MiB).toFixed(1)} then ${(held / MiB).toFixed(1)} MiB of ciphertext for the socket; ` +
        `arrayBuffers +${(grew / MiB).toFixed(1)} MiB, rss +${((after.rss - before.rss) / MiB).toFixed(1)} MiB`);
      assert.equal(handled, first.handled, 'the second 300 requests are not read');
      assert.ok(handled <= perRead + 8, `handled ${handled} requests whose replies are not read (one read holds ${perRead})`);
      assert.ok(held <= first.queued, `the held bytes do not grow: ${first.queued} then ${held}`);
      assert.ok(held <= (handled + 1) * (MiB + 4096), `provider holds ${held} bytes for ${handled} replies`);

      // Another consumer is served meanwhile, on its own connection.
      const ping = other.refer(Big, { url: `127.0.0.1:${port}`, timeout: 5000, cluster: 'failfast' });
      const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => ping.ping(`p${i}`)));
      assert.equal(answers[31], 'p31');
      assert.ok((await ping.fetch('one')).length === MiB);

      // The stalled connection: nothing read from it for idleTimeout (4 s; it has no call in
      // flight, its replies are all written) and the provider closes it.
      const stalledAt = Date.now();
      await until('the provider to close the stalled connection', 20_000, () => sock.destroyed);
      t.diagnostic(`${protocol}: provider closed the stalled connection ${Date.now() - stalledAt} ms after the others were served`);
      // Reading again, the client gets what the kernel held and then the close, not 300 replies.
      raw.resume();
      await until('the client to see the close', 20_000, () => rawClosedAt !== undefined);
    } finally {
      raw.destroy();
      await other.stop(0);
      await provider.stop(0);
    }
  });
}

/** A TLS server (the test CA's server certificate, client certificates required) that accepts and never reads. */
async function deafServer() {
  const sockets = [];
  const server = tls.createServer({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true }, (s) => {
    s.pause();
    s.on('error', () => {});
    sockets.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: server.address().port,
    sockets,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

for (const protocol of PROTOCOLS) {
  test(`${protocol}: a consumer calling a TLS server that never reads: 128 calls of 256 KiB each fail TIMEOUT at their deadline, nothing pending after`, { timeout: 60_000 }, async (t) => {
    const deaf = await deafServer();
    const mesh = createMeshlet({ protocols: [protocol], registry: false, client: { tls: clientTls } }, {});
    try {
      const ref = mesh.refer(Big, { url: `127.0.0.1:${deaf.port}`, timeout: 3000, cluster: 'failfast' });
      // 32 MiB in all: past the kernel's buffers and the client's own high-water mark, so calls
      // are both written-and-unanswered and held back unwritten.
      const arg = 'a'.repeat(256 * 1024);
      const started = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 128 }, () => ref.fetch(arg).then(
        () => ({ ok: true }),
        (err) => ({ err, at: Date.now() - started }),
      )));
      const codes = {};
      for (const o of outcomes) {
        assert.ok(o.err instanceof RpcError, `an RpcError, got ${o.err ?? 'an answer'}`);
        codes[o.err.code] = (codes[o.err.code] ?? 0) + 1;
      }
      const times = outcomes.map((o) => o.at).sort((a, b) => a - b);
      t.diagnostic(`${protocol}: ${JSON.stringify(codes)}, failed ${times[0]}-${times.at(-1)} ms after the first call; server took ${deaf.sockets.length} connection(s)`);
      assert.deepEqual(codes, { [Code.Timeout]: 128 });
      assert.ok(times[0] >= 2900, `the first failed at ${times[0]} ms, before its 3 s deadline`);
      assert.ok(times.at(-1) < 3000 + 2000, `the last failed at ${times.at(-1)} ms`);
      const snap = mesh.introspect();
      assert.equal(snap.inFlight.client, 0, 'no call left in flight');
      for (const e of snap.references[0].endpoints) assert.equal(e.inFlight, 0, `${e.address} in flight`);
    } finally {
      await mesh.stop(0);
      deaf.close();
    }
  });
}
