// tlsFromDir end to end with Node's own TLS (the engine's use of a source is tested with the
// engine): mTLS defaults, and a server that builds each connection's context from current()
// serves the rotated certificate to the next connection after a Kubernetes swap.
import assert from 'node:assert/strict';
import { createSecureContext, createServer, connect, type TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { certs as makeCerts, kubeDir, kubeSwap, plainDir, within } from './files.fixture.js';
import { tlsFromDir } from './tls-from-dir.js';

const certs = await makeCerts();

test('defaults: mTLS on, overrides win, the source reads the directory', async () => {
  const tls = tlsFromDir(plainDir(certs.server, certs.ca), { mode: 'permissive' }, { pollInterval: 1000 });
  try {
    assert.equal(tls.requestCert, true);
    assert.equal(tls.rejectUnauthorized, true);
    assert.equal(tls.mode, 'permissive');
    await within(5000, 'ready', tls.source.ready());
    assert.equal(tls.source.status().serial, certs.server.serial);
    const relaxed = tlsFromDir(plainDir(certs.server, certs.ca), { rejectUnauthorized: false });
    assert.equal(relaxed.rejectUnauthorized, false);
    relaxed.source.close();
  } finally {
    tls.source.close();
  }
});

interface Handshake { serverSerial?: string; clientSeenByServer?: string; error?: string }

function handshake(port: number, client: { cert: string; key: string }): Promise<Handshake> {
  return within(10_000, 'a handshake outcome', new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: certs.ca.cert, cert: client.cert, key: client.key });
    socket.once('secureConnect', () => {
      const serverSerial = socket.getPeerCertificate().serialNumber;
      // TLS 1.3: the server's verdict on our certificate arrives after secureConnect, as data
      // (the server writes the caller's identity) or as an alert that closes the socket.
      socket.once('data', (data) => { socket.destroy(); resolve({ serverSerial, clientSeenByServer: data.toString() }); });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => { socket.destroy(); resolve({ error: err.code ?? err.message }); });
    // Closed without data or error: refused too (resolve is a no-op once settled).
    socket.once('close', () => resolve({ error: 'closed' }));
  }));
}

test('a TLS server on tlsFromDir: mTLS enforced, rotation reaches the next connection', async () => {
  const dir = kubeDir(certs.server, certs.ca);
  const tls = tlsFromDir(dir);
  await within(5000, 'ready', tls.source.ready());
  // What the engine does: one secure context per material, rebuilt when the source changes.
  let context = createSecureContext(tls.source.current());
  const rebuilt: Array<() => void> = [];
  tls.source.onChange(() => {
    context = createSecureContext(tls.source.current());
    for (const r of rebuilt.splice(0)) r();
  });
  const server = createServer({
    requestCert: tls.requestCert,
    rejectUnauthorized: tls.rejectUnauthorized,
    SNICallback: (_name, cb) => cb(null, context),
    ...tls.source.current(),
  }, (socket: TLSSocket) => {
    const subject = socket.getPeerCertificate().subject?.CN ?? '';
    socket.end(subject);
  });
  const clientErrors: Array<(err: NodeJS.ErrnoException) => void> = [];
  server.on('tlsClientError', (err) => { for (const w of clientErrors.splice(0)) w(err); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const first = await handshake(port, certs.client);
    assert.deepEqual(first, { serverSerial: certs.server.serial, clientSeenByServer: 'client' });

    const refused = within(10_000, 'the server refusing the client', new Promise<NodeJS.ErrnoException>((resolve) => clientErrors.push(resolve)));
    const untrusted = await handshake(port, certs.untrusted);
    // Node 20 reports the refusal on the server as a hang-up (the alert ends the socket), and the
    // client sees its socket close: what matters is that the handler never ran (no data).
    assert.ok(await refused);
    assert.ok(untrusted.error !== undefined, `a client signed by another root must be refused, got ${JSON.stringify(untrusted)}`);

    const changed = within(10_000, 'rotation', new Promise<void>((resolve) => rebuilt.push(resolve)));
    kubeSwap(dir, certs.server2, certs.ca);
    await changed;
    const second = await handshake(port, certs.client);
    assert.deepEqual(second, { serverSerial: certs.server2.serial, clientSeenByServer: 'client' });
  } finally {
    tls.source.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
