// RSocket over the engine's TLS (core engine/tls.ts): the RSocket transport has its own sockets
// (rsocket-core's transport contract), so these check it behaves as every engine port does —
// mTLS calls and streams with the caller's identity, refusals, permissive ports, rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { createRuntime, RpcError } from '@meshlet/core';
import { rsocket } from '@meshlet/transport-rsocket';
import { manualSource } from './manual-source.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';
import { tlsEcho, collect } from './tls-echo.js';

const certs = await makeCerts();

const { Echo, impl, open, pair, clientTls, provider, consumer, servedSerial } = tlsEcho({ protocol: rsocket, scheme: 'rsocket', interfaceName: 'com.meshlet.test.RTlsEcho', certs });

const refused = (pattern) => (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED'].includes(err.code) && pattern.test(err.message);

test('mTLS: request/response and a stream, and the call carries the caller\'s verified identity', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true });
  const c = consumer(port, clientTls());
  assert.equal(await c.echo.echo('over tls'), 'over tls');
  assert.deepEqual(await collect(c.echo.count(200)), Array.from({ length: 200 }, (_, i) => i));
  const who = JSON.parse(await c.echo.who());
  assert.equal(who.spiffeId, SPIFFE_CLIENT);
  assert.equal(who.subject, 'O=Meshlet,CN=client'); // RFC 2253 order of /CN=client/O=Meshlet
  assert.deepEqual(who.uris, [SPIFFE_CLIENT]);
});

test('refusals: a plaintext client on a strict port, an untrusted client certificate, a server of the wrong identity', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true });

  // A plaintext RSocket client's SETUP is no ClientHello: the handshake fails, the call does too.
  const plain = consumer(port, undefined);
  await assert.rejects(plain.echo.echo('plain'), (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED', 'TIMEOUT'].includes(err.code));

  // A client whose certificate another root signed.
  const untrusted = consumer(port, { ...pair(certs.untrusted, certs.ca), identities: [SPIFFE_SERVER] });
  await assert.rejects(untrusted.echo.echo('x'), (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED'].includes(err.code));

  // The server is not who the client expects.
  const wrong = consumer(port, clientTls(certs.client, ['spiffe://meshlet.test/ns/default/sa/someone-else']));
  await assert.rejects(wrong.echo.echo('x'), refused(/none of the expected/));

  // And the port still serves the right client after all that.
  const good = consumer(port, clientTls());
  assert.equal(await good.echo.echo('still'), 'still');
});

test('permissive: the same port serves TLS and plaintext RSocket clients; a silent socket is dropped', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true, mode: 'permissive', handshakeTimeout: 300 });
  const secure = consumer(port, clientTls());
  const plain = consumer(port, undefined);
  const [a, b] = await Promise.all([secure.echo.who(), plain.echo.who()]);
  assert.equal(JSON.parse(a).spiffeId, SPIFFE_CLIENT);
  assert.equal(JSON.parse(b), null, 'a plaintext caller has no identity');
  assert.deepEqual(await collect(plain.echo.count(5)), [0, 1, 2, 3, 4]);

  const silent = net.connect({ host: '127.0.0.1', port });
  await once(silent, 'connect');
  const started = Date.now();
  await once(silent, 'close');
  assert.ok(Date.now() - started < 3000, 'a socket that says nothing is closed within the handshake limit');
});

test('rotation via a TlsSource: new connections present the new serial, the open one keeps serving; a bad swap keeps the last good', async () => {
  const source = manualSource(pair(certs.server));
  const { mesh, port } = await provider({ source, requestCert: true, rejectUnauthorized: true });
  const c = consumer(port, clientTls());
  assert.equal(await c.echo.echo('before'), 'before');
  assert.equal(await servedSerial(port), certs.server.serial);

  source.set(pair(certs.server2));
  assert.equal(await servedSerial(port), certs.server2.serial);
  // The consumer's connection was made with the old certificate: it still serves calls and streams.
  const calls = await Promise.all(Array.from({ length: 64 }, (_, i) => c.echo.echo(`after-${i}`)));
  assert.equal(calls[63], 'after-63');
  assert.equal((await collect(c.echo.count(50))).length, 50);

  source.set({ cert: certs.server.cert, key: certs.server2.key, ca: certs.ca.cert });
  assert.equal(await servedSerial(port), certs.server2.serial);
  const fresh = consumer(port, clientTls());
  assert.equal(await fresh.echo.echo('fresh'), 'fresh');

  await mesh.stop(0);
  assert.equal(source.listeners, 0, 'the listener stops watching its source on stop');
});

test('certificates that load late: the listener waits, the dialer waits within its connect timeout, and fails UNAVAILABLE past it', async () => {
  const serverSource = manualSource(undefined);
  const mesh = createRuntime({ protocols: [rsocket()], server: { host: '127.0.0.1', port: 0, tls: { source: serverSource, requestCert: true } } });
  mesh.provide(Echo, impl);
  open.push(mesh);
  let started = false;
  const starting = mesh.start().then(() => (started = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(started, false, 'no listener before the certificates');
  serverSource.set(pair(certs.server));
  await starting;
  const port = mesh.address().port;

  const late = manualSource(undefined);
  const c = consumer(port, { source: late, identities: [SPIFFE_SERVER] });
  const call = c.echo.echo('late');
  setImmediate(() => late.set(pair(certs.client)));
  assert.equal(await call, 'late');

  const never = consumer(port, { source: manualSource(undefined) }, { connectTimeout: 300 });
  const t0 = Date.now();
  await assert.rejects(never.echo.echo('never'), (err) => err instanceof RpcError && err.code === 'UNAVAILABLE' && /timed out/.test(err.message));
  assert.ok(Date.now() - t0 < 2500);

  const failing = { ready: () => Promise.reject(new Error('no certificate')), current: () => { throw new Error('no'); }, onChange: () => () => {} };
  const broken = createRuntime({ protocols: [rsocket()], server: { host: '127.0.0.1', port: 0, tls: { source: failing } } });
  broken.provide(Echo, impl);
  await assert.rejects(broken.start(), (err) => err instanceof RpcError && err.code === 'UNAVAILABLE' && /no certificate/.test(err.message));
  await broken.stop(0);
});

test('maxConnections holds on a TLS port as on every engine listener: one more connection is closed on arrival', async () => {
  const mesh = createRuntime({ protocols: [rsocket()], server: { host: '127.0.0.1', port: 0, maxConnections: 1, tls: { ...pair(certs.server), requestCert: true } } });
  mesh.provide(Echo, impl);
  open.push(mesh);
  await mesh.start();
  const port = mesh.address().port;
  const first = consumer(port, clientTls());
  assert.equal(await first.echo.echo('one'), 'one');
  const second = consumer(port, clientTls());
  await assert.rejects(second.echo.echo('two'), (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED'].includes(err.code));
  assert.equal(await first.echo.echo('still one'), 'still one');
});
