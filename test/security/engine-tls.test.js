// The engine's TLS (core engine/tls.ts), through a real Dubbo provider and consumer: certificates
// from a source swapped under open connections, a bad swap refused, listeners and dialers waiting
// for a source that loads late, permissive ports, and the identity a call carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import * as net from 'node:net';
import { once } from 'node:events';
import { createMeshlet } from 'meshlet-rpc';
import { defineService, t, currentCall, RpcError } from '@meshlet/core';
import { manualSource } from './manual-source.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';

const certs = await makeCerts();
const Echo = defineService({ interface: 'com.meshlet.test.TlsEcho', methods: { echo: { params: [t.string], returns: t.string }, who: { params: [], returns: t.string } } });
const impl = {
  echo: async (s) => s,
  who: async () => JSON.stringify(currentCall()?.identity ?? null),
};

const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const clientTls = (leaf = certs.client) => ({ ...pair(leaf), identities: [SPIFFE_SERVER] });

async function provider(serverTls) {
  const mesh = createMeshlet({ protocols: ['dubbo'], server: { host: '127.0.0.1', port: 0, tls: serverTls } });
  mesh.provide(Echo, impl);
  await mesh.start();
  return { mesh, port: mesh.address('dubbo').port };
}

function consumer(port, tlsOptions, extra = {}) {
  const mesh = createMeshlet({ protocols: ['dubbo'], client: { tls: tlsOptions, ...extra } });
  return { mesh, echo: mesh.refer(Echo, { url: `dubbo://127.0.0.1:${port}`, timeout: 3000 }) };
}

/** The serial of the certificate a fresh TLS connection to the port is shown. */
async function servedSerial(port) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost' });
  await once(socket, 'secureConnect');
  const serial = socket.getPeerCertificate().serialNumber;
  socket.destroy();
  return serial;
}

test('a source swap: new connections get the new certificate, an open one keeps serving; a bad swap keeps the last good', async () => {
  const source = manualSource(pair(certs.server));
  const { mesh, port } = await provider({ source, requestCert: true });
  const c = consumer(port, clientTls());
  try {
    assert.equal(await c.echo.echo('before'), 'before');
    assert.equal(await servedSerial(port), certs.server.serial);

    source.set(pair(certs.server2));
    assert.equal(await servedSerial(port), certs.server2.serial);
    // The consumer's connection was made with the old certificate and still serves calls.
    const calls = await Promise.all(Array.from({ length: 128 }, (_, i) => c.echo.echo(`after-${i}`)));
    assert.equal(calls[127], 'after-127');

    // A key that does not belong to the certificate: refused, the last good one stays in use.
    source.set({ cert: certs.server.cert, key: certs.server2.key, ca: certs.ca.cert });
    assert.equal(await servedSerial(port), certs.server2.serial);
    const fresh = consumer(port, clientTls());
    assert.equal(await fresh.echo.echo('fresh'), 'fresh');
    await fresh.mesh.stop();
  } finally {
    await c.mesh.stop();
    await mesh.stop();
  }
  assert.equal(source.listeners, 0, 'the listener stops watching its source on stop');
});

test('a listener opens only once its certificates are loaded; a source that fails fails start()', async () => {
  const source = manualSource(undefined);
  let started = false;
  const mesh = createMeshlet({ protocols: ['dubbo'], server: { host: '127.0.0.1', port: 0, tls: { source, requestCert: true } } });
  mesh.provide(Echo, impl);
  const starting = mesh.start().then(() => (started = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(started, false);
  source.set(pair(certs.server));
  await starting;
  const c = consumer(mesh.address('dubbo').port, clientTls());
  assert.equal(await c.echo.echo('x'), 'x');
  await c.mesh.stop();
  await mesh.stop();

  const failing = { ready: () => Promise.reject(new Error('no certificate')), current: () => { throw new Error('no'); }, onChange: () => () => {} };
  const broken = createMeshlet({ protocols: ['dubbo'], server: { host: '127.0.0.1', port: 0, tls: { source: failing } } });
  broken.provide(Echo, impl);
  await assert.rejects(broken.start(), (err) => err instanceof RpcError && err.code === 'UNAVAILABLE' && /no certificate/.test(err.message));
  await broken.stop();
});

test('a dialer waits for its certificates within the connect timeout, and fails UNAVAILABLE past it', async () => {
  const { mesh, port } = await provider({ ...pair(certs.server), requestCert: true });
  try {
    const late = manualSource(undefined);
    const c = consumer(port, { source: late, identities: [SPIFFE_SERVER] });
    const call = c.echo.echo('late');
    setTimeout(() => late.set(pair(certs.client)), 100);
    assert.equal(await call, 'late');
    await c.mesh.stop();

    const never = manualSource(undefined);
    const n = consumer(port, { source: never }, { connectTimeout: 300 });
    const started = Date.now();
    await assert.rejects(n.echo.echo('never'), (err) => err.code === 'UNAVAILABLE' && /timed out/.test(err.message));
    assert.ok(Date.now() - started < 2500);
    await n.mesh.stop();
  } finally {
    await mesh.stop();
  }
});

test('the call carries the verified identity of the caller; none over a permissive port in plaintext', async () => {
  const { mesh, port } = await provider({ ...pair(certs.server), requestCert: true, mode: 'permissive' });
  try {
    const secure = consumer(port, clientTls());
    // RFC 2253 order, last RDN first, as Java's X500Principal#getName prints it (the cert says /CN=client/O=Meshlet).
    const id = JSON.parse(await secure.echo.who());
    assert.deepEqual(id, { spiffeId: SPIFFE_CLIENT, subject: 'O=Meshlet,CN=client', uris: [SPIFFE_CLIENT], dnsNames: [] });
    const plain = consumer(port, undefined);
    assert.equal(await plain.echo.who(), 'null');
    // 128 calls in flight over each, side by side on one port.
    const both = await Promise.all(Array.from({ length: 256 }, (_, i) => (i % 2 ? secure : plain).echo.echo(`m${i}`)));
    assert.equal(both.length, 256);
    await secure.mesh.stop();
    await plain.mesh.stop();
  } finally {
    await mesh.stop();
  }
});

test('a strict port closes a plaintext caller without reading a frame; a permissive one drops a silent socket', async () => {
  const strict = await provider({ ...pair(certs.server), requestCert: true });
  const permissive = await provider({ ...pair(certs.server), requestCert: true, mode: 'permissive', handshakeTimeout: 300 });
  try {
    const plain = consumer(strict.port, undefined);
    await assert.rejects(plain.echo.echo('x'), (err) => ['CONNECTION_CLOSED', 'UNAVAILABLE'].includes(err.code));
    await plain.mesh.stop();

    const silent = net.connect({ host: '127.0.0.1', port: permissive.port });
    await once(silent, 'connect');
    const started = Date.now();
    await once(silent, 'close');
    assert.ok(Date.now() - started < 2000, 'closed within the handshake limit');
  } finally {
    await strict.mesh.stop();
    await permissive.mesh.stop();
  }
});

test('without identities the host is checked against the SANs, as Node does; a refused client certificate says so', async () => {
  const good = await provider({ ...pair(certs.server), requestCert: true });
  const wrong = await provider({ ...pair(certs.wrongSan), requestCert: true });
  try {
    for (const host of ['127.0.0.1', 'localhost']) {
      const mesh = createMeshlet({ protocols: ['dubbo'], client: { tls: pair(certs.client) } });
      assert.equal(await mesh.refer(Echo, { url: `dubbo://${host}:${good.port}`, timeout: 3000 }).echo(host), host);
      await mesh.stop();
    }
    const mismatch = consumer(wrong.port, pair(certs.client));
    await assert.rejects(mismatch.echo.echo('x'), (err) => err.code === 'UNAVAILABLE' && /IP: 127\.0\.0\.1 is not in the cert's list/.test(err.message));
    await mismatch.mesh.stop();
    // Under TLS 1.3 the client's handshake ends before the server checks its certificate.
    for (const leaf of [certs.untrusted, certs.expired]) {
      const refused = consumer(good.port, clientTls(leaf));
      await assert.rejects(refused.echo.echo('x'), (err) => err.code === 'CONNECTION_CLOSED' && /may have refused our certificate/.test(err.message));
      await refused.mesh.stop();
    }
  } finally {
    await good.mesh.stop();
    await wrong.mesh.stop();
  }
});
