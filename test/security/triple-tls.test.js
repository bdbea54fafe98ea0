// Triple (node:http2's own TLS server, ALPN h2) with the same TLS options as every engine port:
// mTLS calls and streams with the caller's identity, refusals, rotation through a TlsSource, and a
// grpc-js TLS client (which insists on ALPN h2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { t, RpcError } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { manualSource } from './manual-source.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';
import { tlsEcho, collect } from './tls-echo.js';

const certs = await makeCerts();

const { pair, clientTls, provider, consumer, servedSerial } = tlsEcho({ protocol: triple, scheme: 'tri', interfaceName: 'com.meshlet.test.TriTlsEcho', certs, alpn: 'h2' });

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
