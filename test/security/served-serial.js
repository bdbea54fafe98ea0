// Which certificate a port serves right now: what the rotation suites compare after a swap.
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { once } from 'node:events';

/**
 * The serial of the certificate a fresh mTLS connection to `port` is shown (client certificate
 * `certs.client`, trusting `certs.ca`); with `alpn`, offers it and asserts it was chosen.
 */
export async function servedSerial(certs, port, alpn) {
  const options = { host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost' };
  const socket = tls.connect(alpn === undefined ? options : { ...options, ALPNProtocols: [alpn] });
  try {
    await once(socket, 'secureConnect');
    if (alpn !== undefined) assert.equal(socket.alpnProtocol, alpn);
    return socket.getPeerCertificate().serialNumber;
  } finally {
    socket.destroy();
  }
}
