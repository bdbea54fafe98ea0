// A permissive Triple port (`tls.mode: 'permissive'`): TLS (ALPN h2) and cleartext h2c (prior
// knowledge, the "PRI * HTTP/2.0" preface) on one port, told apart by the first byte as every
// engine port does. Meshlet's own client and grpc-js, each over TLS and in plaintext, side by side
// on one port; the caller's identity only over mTLS; silent and junk sockets dropped without
// harming the others; graceful stop ends both kinds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { createRuntime, t, RpcError } from '@meshlet/core';
import { triple, encodeRequestWrapper, decodeResponseWrapper } from '@meshlet/transport-triple';
import { encode, decode } from '@meshlet/hessian';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';
import { manualSource } from './manual-source.js';
import { echoImpl, echoService } from './echo-service.js';

const certs = await makeCerts();

const Echo = echoService('com.meshlet.test.TriPermissiveEcho');
const impl = echoImpl();

const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const open = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function provider(extra = {}) {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server), requestCert: true, mode: 'permissive', ...extra } } });
  mesh.provide(Echo, impl);
  open.push(mesh);
  await mesh.start();
  return { mesh, port: mesh.address().port };
}

/** A Meshlet consumer: TLS (mTLS, the server's SPIFFE ID checked) or plaintext. */
function consumer(port, secure) {
  const tls = secure ? { ...pair(certs.client), identities: [SPIFFE_SERVER] } : undefined;
  const mesh = createRuntime({ protocols: [triple()], client: { tls, connectTimeout: 2000 } });
  open.push(mesh);
  return { mesh, echo: mesh.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 5000 }) };
}

/** A grpc-js client calling in Triple's wrapped mode by hand, over TLS (ALPN h2) or h2c. */
function grpcClient(port, secure) {
  const creds = secure
    ? grpc.credentials.createSsl(Buffer.from(certs.ca.cert), Buffer.from(certs.client.key), Buffer.from(certs.client.cert), { checkServerIdentity: () => undefined })
    : grpc.credentials.createInsecure();
  const client = new grpc.Client(`127.0.0.1:${port}`, creds);
  const unary = (method, args, argTypes) => new Promise((resolve, reject) => client.makeUnaryRequest(
    `/com.meshlet.test.TriPermissiveEcho/${method}`, (b) => b, (b) => b,
    encodeRequestWrapper({ serializeType: 'hessian4', args, argTypes }),
    (e, r) => (e ? reject(e) : resolve(decode(decodeResponseWrapper(r).data, t.string)))));
  return {
    echo: (s) => unary('echo', [encode(s, t.string)], ['java.lang.String']),
    who: () => unary('who', [], []),
    close: () => client.close(),
  };
}

const collect = async (iterable) => {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
};

test('one port, four callers: Meshlet and grpc-js, each over mTLS and in plaintext; identity only over TLS', async () => {
  const { port } = await provider();
  const secure = consumer(port, true);
  const plain = consumer(port, false);
  const grpcSecure = grpcClient(port, true);
  const grpcPlain = grpcClient(port, false);
  try {
    assert.equal(await secure.echo.echo('meshlet tls'), 'meshlet tls');
    assert.equal(await plain.echo.echo('meshlet h2c'), 'meshlet h2c');
    assert.equal(await grpcSecure.echo('grpc-js tls'), 'grpc-js tls');
    assert.equal(await grpcPlain.echo('grpc-js h2c'), 'grpc-js h2c');
    assert.equal(JSON.parse(await secure.echo.who()), SPIFFE_CLIENT);
    assert.equal(JSON.parse(await grpcSecure.who()), SPIFFE_CLIENT);
    assert.equal(JSON.parse(await plain.echo.who()), null);
    assert.equal(JSON.parse(await grpcPlain.who()), null);
    assert.deepEqual(await collect(secure.echo.count(500)), Array.from({ length: 500 }, (_, i) => i));
    assert.deepEqual(await collect(plain.echo.count(500)), Array.from({ length: 500 }, (_, i) => i));
  } finally {
    grpcSecure.close();
    grpcPlain.close();
  }
});

test('128 calls in flight over each kind at once, 64 KiB each, all exact', async () => {
  const { port } = await provider();
  const secure = consumer(port, true);
  const plain = consumer(port, false);
  const body = (i) => `${i}:`.padEnd(64 * 1024, String.fromCharCode(97 + (i % 26)));
  const answers = await Promise.all(Array.from({ length: 256 }, (_, i) => (i % 2 ? secure : plain).echo.echo(body(i))));
  answers.forEach((a, i) => assert.equal(a, body(i)));
});

test('a silent socket is dropped at the handshake limit, a junk one at once; the port serves on', async () => {
  const { port } = await provider({ handshakeTimeout: 300 });
  const plain = consumer(port, false);
  const silent = net.connect({ host: '127.0.0.1', port });
  await once(silent, 'connect');
  const junk = net.connect({ host: '127.0.0.1', port });
  await once(junk, 'connect');
  junk.on('error', () => {});
  junk.resume(); // read what the server answers (its SETTINGS and GOAWAY), so its close is seen
  junk.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const t0 = Date.now();
  await once(silent, 'close');
  const silentMs = Date.now() - t0;
  assert.ok(silentMs >= 250 && silentMs < 5000, `silent socket closed after ${silentMs} ms`);
  if (!junk.destroyed) await once(junk, 'close');
  assert.equal(await plain.echo.echo('still'), 'still');
  const secure = consumer(port, true);
  assert.equal(await secure.echo.echo('still tls'), 'still tls');
});

test('a TLS caller without a client certificate is refused (requestCert + rejectUnauthorized), plaintext callers are not', async () => {
  const { port } = await provider();
  const mesh = createRuntime({ protocols: [triple()], client: { tls: { ca: certs.ca.cert, identities: [SPIFFE_SERVER] }, connectTimeout: 2000 } });
  open.push(mesh);
  const anonymous = mesh.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 3000 });
  await assert.rejects(anonymous.echo('no cert'), (err) => err instanceof RpcError);
  assert.equal(await consumer(port, false).echo.echo('plain'), 'plain');
});

test('graceful stop: calls in flight over TLS and over h2c finish, then the port is closed', async () => {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server), requestCert: true, mode: 'permissive' } } });
  let release;
  const gate = new Promise((r) => (release = r));
  let arrived = 0;
  let bothArrived;
  const arrivals = new Promise((r) => (bothArrived = r));
  mesh.provide(Echo, { ...impl, echo: async (s) => (++arrived === 2 && bothArrived(), await gate, s) });
  await mesh.start();
  const port = mesh.address().port;
  const secure = consumer(port, true);
  const plain = consumer(port, false);
  const inFlight = [secure.echo.echo('tls in flight'), plain.echo.echo('h2c in flight')];
  await arrivals;
  const stopped = mesh.stop(5000);
  setTimeout(release, 100);
  assert.deepEqual(await Promise.all(inFlight), ['tls in flight', 'h2c in flight']);
  await stopped;
  const refused = net.connect({ host: '127.0.0.1', port });
  const [err] = await once(refused, 'error');
  assert.equal(err.code, 'ECONNREFUSED');
});

test('rotation through a TlsSource on a permissive port: new TLS connections get the new certificate, the open ones and plaintext serve on; stop releases the source', async () => {
  const source = manualSource(pair(certs.server));
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0, tls: { source, requestCert: true, mode: 'permissive' } } });
  mesh.provide(Echo, impl);
  await mesh.start();
  const port = mesh.address().port;
  const served = async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost', ALPNProtocols: ['h2'] });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'h2');
    const serial = socket.getPeerCertificate().serialNumber;
    socket.destroy();
    return serial;
  };
  try {
    const secure = consumer(port, true);
    const plain = consumer(port, false);
    assert.equal(await secure.echo.echo('before'), 'before');
    assert.equal(await served(), certs.server.serial);
    source.set(pair(certs.server2));
    assert.equal(await served(), certs.server2.serial);
    assert.equal(await secure.echo.echo('after'), 'after');
    assert.equal(await plain.echo.echo('plain after'), 'plain after');
    assert.equal(await consumer(port, true).echo.echo('new tls'), 'new tls');
  } finally {
    await mesh.stop(0);
  }
  assert.equal(source.listeners, 0, 'the stopped port no longer watches its source');
});
