// Triple (node:http2's own TLS server, ALPN h2) with the same TLS options as every engine port:
// mTLS calls and streams with the caller's identity, refusals, rotation through a TlsSource, and a
// grpc-js TLS client (which insists on ALPN h2).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { createRuntime, defineService, t, currentCall, RpcError } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { manualSource } from './manual-source.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';

const certs = await makeCerts();

const Echo = defineService({
  interface: 'com.meshlet.test.TriTlsEcho',
  methods: {
    echo: { params: [t.string], returns: t.string },
    who: { params: [], returns: t.string },
    count: { params: [t.int32], returns: t.int32, stream: true },
  },
});
const impl = {
  echo: async (s) => s,
  who: async () => JSON.stringify(currentCall()?.identity ?? null),
  async *count(n) {
    for (let i = 0; i < n; i++) yield i;
  },
};

const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const clientTls = (leaf = certs.client, identities = [SPIFFE_SERVER]) => ({ ...pair(leaf), identities });
const open = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function provider(serverTls) {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0, tls: serverTls } });
  mesh.provide(Echo, impl);
  open.push(mesh);
  await mesh.start();
  return { mesh, port: mesh.address().port };
}

function consumer(port, tlsOptions) {
  const mesh = createRuntime({ protocols: [triple()], client: { tls: tlsOptions, connectTimeout: 2000 } });
  open.push(mesh);
  return { mesh, echo: mesh.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 3000 }) };
}

async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

async function servedSerial(port) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost', ALPNProtocols: ['h2'] });
  await once(socket, 'secureConnect');
  const serial = socket.getPeerCertificate().serialNumber;
  assert.equal(socket.alpnProtocol, 'h2');
  socket.destroy();
  return serial;
}

test('mTLS: a call and a stream, with the caller\'s verified identity on the invocation', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true });
  const c = consumer(port, clientTls());
  assert.equal(await c.echo.echo('over tls'), 'over tls');
  assert.deepEqual(await collect(c.echo.count(100)), Array.from({ length: 100 }, (_, i) => i));
  const who = JSON.parse(await c.echo.who());
  assert.equal(who.spiffeId, SPIFFE_CLIENT);
  assert.deepEqual(who.uris, [SPIFFE_CLIENT]);
});

test('refusals: plaintext client, untrusted client certificate, a server of the wrong identity', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true });
  const plain = consumer(port, undefined);
  await assert.rejects(plain.echo.echo('plain'), (err) => err instanceof RpcError);
  const untrusted = consumer(port, { ...pair(certs.untrusted, certs.ca), identities: [SPIFFE_SERVER] });
  await assert.rejects(untrusted.echo.echo('x'), (err) => err instanceof RpcError);
  const wrong = consumer(port, clientTls(certs.client, ['spiffe://meshlet.test/ns/default/sa/someone-else']));
  await assert.rejects(wrong.echo.echo('x'), (err) => err instanceof RpcError && /none of the expected/.test(err.message));
  const good = consumer(port, clientTls());
  assert.equal(await good.echo.echo('still'), 'still');
});

test('rotation via a TlsSource: new connections get the new certificate, the open session keeps serving', async () => {
  const source = manualSource(pair(certs.server));
  const { port } = await provider({ source, requestCert: true, rejectUnauthorized: true });
  const c = consumer(port, clientTls());
  assert.equal(await c.echo.echo('before'), 'before');
  assert.equal(await servedSerial(port), certs.server.serial);
  source.set(pair(certs.server2));
  assert.equal(await servedSerial(port), certs.server2.serial);
  assert.equal(await c.echo.echo('after'), 'after');
});

test('grpc-js over TLS (ALPN h2) calls a Meshlet Triple provider', async () => {
  const { port } = await provider({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true });
  const creds = grpc.credentials.createSsl(Buffer.from(certs.ca.cert), Buffer.from(certs.client.key), Buffer.from(certs.client.cert), { checkServerIdentity: () => undefined });
  const client = new grpc.Client(`127.0.0.1:${port}`, creds);
  try {
    // Wrapped mode by hand: TripleRequestWrapper { serializeType, args: [hessian "hi"], argTypes }.
    const { encodeRequestWrapper, decodeResponseWrapper } = await import('@meshlet/transport-triple');
    const { encode, decode } = await import('@meshlet/hessian');
    const req = encodeRequestWrapper({ serializeType: 'hessian4', args: [encode('hi', t.string)], argTypes: ['java.lang.String'] });
    const rep = await new Promise((resolve, reject) => client.makeUnaryRequest('/com.meshlet.test.TriTlsEcho/echo', (b) => b, (b) => b, req, (e, r) => (e ? reject(e) : resolve(r))));
    assert.equal(decode(decodeResponseWrapper(rep).data, t.string), 'hi');
  } finally {
    client.close();
  }
});
