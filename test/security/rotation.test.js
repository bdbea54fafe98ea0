// Certificates rotated under load, the way Kubernetes rotates a mounted secret (the `..data`
// symlink renamed over to a new version directory), with MESHLET_TLS_DIR wiring both sides
// (meshlet-rpc's tls-env.ts, @meshlet/security's fileTlsSource): 128 calls kept in flight the
// whole time fail zero times; a fresh TLS client is shown the new certificate while the open
// connection keeps serving on the old one; and a consumer's own certificate rotated shows up on
// its new connections while its old connection keeps its identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createMeshlet } from 'meshlet-rpc';
import { currentCall, defineService, t } from '@meshlet/core';
import { tlsFromDir } from '@meshlet/security';
import { load } from './load.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_INTRUDER, SPIFFE_SERVER } from './certs.js';
import { servedSerial as servedSerialOf } from './served-serial.js';
import { kubeSecrets } from './kube-secret.js';

const certs = await makeCerts();
const PROTOCOLS = ['dubbo', 'bolt', 'motan2'];
const Echo = defineService({
  interface: 'com.meshlet.test.RotationEcho',
  methods: { echo: { params: [t.string], returns: t.string } },
});

/**
 * What the provider saw: per caller address (one per connection), the identity it presented and
 * the calls it carried; `identities()` lists them in connection order.
 */
function recordingImpl() {
  const seen = new Map();
  return {
    seen,
    identities: () => [...seen.values()].map((c) => c.id),
    calls: (peer) => seen.get(peer)?.calls ?? 0,
    impl: {
      echo: async (s) => {
        const call = currentCall();
        const entry = seen.get(call?.peer) ?? { id: call?.identity?.spiffeId, calls: 0 };
        entry.calls++;
        seen.set(call?.peer, entry);
        return s;
      },
    },
  };
}

const { kubeDir, kubeSwap } = kubeSecrets(certs.ca, 'meshlet-rotation-');

const servedSerial = (port) => servedSerialOf(certs, port);

/** Polls `check` every 20 ms until it holds; fails with `what` after 15 s (the source's stat poll is 5 s). */
async function until(what, check) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const app = (protocol, env, options = {}) => createMeshlet({ protocols: [protocol], registry: false, ...options }, env);

for (const protocol of PROTOCOLS) {
  test(`${protocol}: the provider's certificate rotated under 128 calls in flight: zero failures, new connections see the new one`, async (t) => {
    const serverDir = kubeDir(certs.server);
    const clientDir = kubeDir(certs.client);
    const { seen, impl } = recordingImpl();
    const provider = app(protocol, { MESHLET_TLS_DIR: serverDir }, { server: { host: '127.0.0.1', port: 0 } });
    provider.provide(Echo, impl);
    await provider.start();
    const port = provider.address(protocol).port;
    const consumer = app(protocol, { MESHLET_TLS_DIR: clientDir, MESHLET_TLS_IDENTITIES: SPIFFE_SERVER });
    const echo = consumer.refer(Echo, { url: `127.0.0.1:${port}`, timeout: 5000, cluster: 'failfast' });
    const running = load((i) => echo.echo(`w${i}`));
    try {
      await running.more(500);
      assert.equal(await servedSerial(port), certs.server.serial);
      const callersBefore = [...seen.keys()];
      assert.equal(callersBefore.length, 1, 'one connection from the consumer');

      const swapped = performance.now();
      kubeSwap(serverDir, certs.server2);
      await until('the new certificate on a fresh connection', async () => (await servedSerial(port)) === certs.server2.serial);
      t.diagnostic(`new certificate served ${Math.round(performance.now() - swapped)} ms after the swap`);
      await running.more(2000);
      // The consumer's connection made before the swap is the one still serving: no reconnect.
      assert.deepEqual([...seen.keys()], callersBefore);

      // A consumer that connects now is shown the new certificate and trusts it (same CA).
      const late = app(protocol, { MESHLET_TLS_DIR: clientDir, MESHLET_TLS_IDENTITIES: SPIFFE_SERVER });
      assert.equal(await late.refer(Echo, { url: `127.0.0.1:${port}`, timeout: 5000 }).echo('late'), 'late');
      await late.stop();
    } finally {
      await running.stop();
      await consumer.stop();
      await provider.stop();
      rmSync(serverDir, { recursive: true, force: true });
      rmSync(clientDir, { recursive: true, force: true });
    }
    assert.deepEqual(running.failures.map((e) => `${e.code} ${e.message}`), []);
    assert.ok(running.ok > 2500, `${running.ok} calls answered`);
    t.diagnostic(`${running.ok} calls answered, none failed`);
  });
}

for (const protocol of PROTOCOLS) test(`${protocol}: the consumer's own certificate rotated under load: its new connections present the new identity, the old one keeps serving`, async () => {
  const serverDir = kubeDir(certs.server);
  const clientDir = kubeDir(certs.client);
  const { seen, impl, identities, calls } = recordingImpl();
  const provider = app(protocol, { MESHLET_TLS_DIR: serverDir }, { server: { host: '127.0.0.1', port: 0 } });
  provider.provide(Echo, impl);
  await provider.start();
  const port = provider.address(protocol).port;
  // The consumer's TLS from code (tlsFromDir, as MESHLET_TLS_DIR makes it) to hear the source change.
  const clientTls = tlsFromDir(clientDir, { identities: [SPIFFE_SERVER] });
  const consumer = app(protocol, {}, { client: { tls: clientTls } });
  const url = `127.0.0.1:${port}`;
  const echo = consumer.refer(Echo, { url, timeout: 5000, cluster: 'failfast' });
  const running = load((i) => echo.echo(`w${i}`));
  try {
    await running.more(500);
    assert.deepEqual(identities(), [SPIFFE_CLIENT]);
    const [oldPeer] = seen.keys();

    const changed = new Promise((resolve) => clientTls.source.onChange(resolve));
    kubeSwap(clientDir, certs.client2);
    await changed;
    // A reference wanting 2 connections gets its own pool entry: new connections, made now.
    const fresh = consumer.refer(Echo, { url, timeout: 5000, connections: 2 });
    await Promise.all(Array.from({ length: 8 }, () => fresh.echo('fresh')));
    // Two new connections, each presenting the new certificate.
    assert.deepEqual(identities(), [SPIFFE_CLIENT, SPIFFE_INTRUDER, SPIFFE_INTRUDER], JSON.stringify([...seen]));
    // The old connection, made with the old certificate, goes on carrying the load.
    const before = calls(oldPeer);
    await running.more(1000);
    assert.ok(calls(oldPeer) >= before + 1000, `${calls(oldPeer) - before} calls on the old connection`);
    assert.equal(seen.size, 3, 'no reconnect');
  } finally {
    await running.stop();
    await consumer.stop();
    clientTls.source.close();
    await provider.stop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(clientDir, { recursive: true, force: true });
  }
  assert.deepEqual(running.failures.map((e) => `${e.code} ${e.message}`), []);
});
