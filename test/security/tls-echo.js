// What the per-protocol TLS suites (rsocket-tls, triple-tls) share: an Echo service (a call, the
// caller's identity, a stream), providers and consumers of it over one protocol with the TLS
// options given (every runtime made is stopped after the file's tests), the client-side option
// builders, and the serial a fresh TLS connection is shown.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { createRuntime } from '@meshlet/core';
import { SPIFFE_SERVER } from './certs.js';
import { echoImpl, echoService } from './echo-service.js';

/**
 * `protocol`: the transport's factory (`rsocket`, `triple`); `scheme`: its URL scheme;
 * `interfaceName`: the Echo service's; `certs`: makeCerts()'s; `alpn`: what servedSerial offers and
 * expects back, if anything.
 */
export function tlsEcho({ protocol, scheme, interfaceName, certs, alpn }) {
  const Echo = echoService(interfaceName);
  const impl = echoImpl((identity) => identity ?? null);

  const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
  const clientTls = (leaf = certs.client, identities = [SPIFFE_SERVER]) => ({ ...pair(leaf), identities });
  const open = [];
  after(async () => {
    await Promise.all(open.map((m) => m.stop(0)));
  });

  async function provider(serverTls) {
    const mesh = createRuntime({ protocols: [protocol()], server: { host: '127.0.0.1', port: 0, tls: serverTls } });
    mesh.provide(Echo, impl);
    open.push(mesh);
    await mesh.start();
    return { mesh, port: mesh.address().port };
  }

  function consumer(port, tlsOptions, extra = {}) {
    const mesh = createRuntime({ protocols: [protocol()], client: { tls: tlsOptions, connectTimeout: 2000, ...extra } });
    open.push(mesh);
    return { mesh, echo: mesh.refer(Echo, { url: `${scheme}://127.0.0.1:${port}`, timeout: 3000 }) };
  }

  /** The serial of the certificate a fresh TLS connection to the port is shown. */
  async function servedSerial(port) {
    const options = { host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost' };
    const socket = tls.connect(alpn === undefined ? options : { ...options, ALPNProtocols: [alpn] });
    await once(socket, 'secureConnect');
    const serial = socket.getPeerCertificate().serialNumber;
    if (alpn !== undefined) assert.equal(socket.alpnProtocol, alpn);
    socket.destroy();
    return serial;
  }

  return { Echo, impl, open, pair, clientTls, provider, consumer, servedSerial };
}

export async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}
