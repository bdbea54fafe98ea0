// The test certificates are what every TLS test trusts: check each property a test relies on
// (issuer, SANs, validity, key pairs) with node's own X509 parser, not with openssl again.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeCerts, tlsDir, SPIFFE_CLIENT, SPIFFE_INTRUDER, SPIFFE_SERVER } from './certs.js';

const certs = await makeCerts();
const x = (entry) => new X509Certificate(entry.cert);
const sans = (entry) => (x(entry).subjectAltName ?? '').split(', ').sort();
const valid = (entry, now = Date.now()) => Date.parse(x(entry).validFrom) <= now && now < Date.parse(x(entry).validTo);

test('roots: self-signed CAs, two different ones', () => {
  for (const root of [certs.ca, certs.ca2]) {
    assert.equal(x(root).ca, true);
    assert.ok(x(root).verify(x(root).publicKey));
    assert.equal(readFileSync(root.certPath, 'utf8'), root.cert);
  }
  assert.match(x(certs.ca).subject, /CN=Meshlet Test CA/);
  assert.notEqual(x(certs.ca).fingerprint256, x(certs.ca2).fingerprint256);
});

test('servers: signed by ca, localhost + loopback IPs + SPIFFE id, server2 differs in key and serial', () => {
  for (const s of [certs.server, certs.server2]) {
    assert.ok(x(s).checkIssued(x(certs.ca)) && x(s).verify(x(certs.ca).publicKey));
    assert.equal(x(s).ca, false);
    assert.deepEqual(sans(s), ['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1', `URI:${SPIFFE_SERVER}`].sort());
    assert.equal(x(s).checkHost('localhost'), 'localhost');
    assert.equal(x(s).checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(valid(s));
    assert.ok(x(s).checkPrivateKey(createPrivateKey(s.key)));
    assert.equal(s.serial, x(s).serialNumber);
  }
  assert.notEqual(certs.server.serial, certs.server2.serial);
  assert.notEqual(certs.server.fingerprint256, certs.server2.fingerprint256);
  assert.notEqual(certs.server.key, certs.server2.key);
  assert.equal(x(certs.server).checkPrivateKey(createPrivateKey(certs.server2.key)), false);
});

test('clients: client and client2 are two identities under the same root', () => {
  assert.deepEqual(sans(certs.client), [`URI:${SPIFFE_CLIENT}`]);
  assert.match(x(certs.client).subject, /CN=client/);
  assert.match(x(certs.client).subject, /O=Meshlet/);
  assert.deepEqual(sans(certs.client2), [`URI:${SPIFFE_INTRUDER}`]);
  for (const c of [certs.client, certs.client2]) {
    assert.ok(x(c).verify(x(certs.ca).publicKey));
    assert.ok(valid(c));
    assert.ok(x(c).checkPrivateKey(createPrivateKey(c.key)));
  }
});

test('bad ones: untrusted root, expired, wrong SAN', () => {
  assert.ok(x(certs.untrusted).verify(x(certs.ca2).publicKey));
  assert.equal(x(certs.untrusted).verify(x(certs.ca).publicKey), false);
  assert.ok(valid(certs.untrusted));

  assert.ok(x(certs.expired).verify(x(certs.ca).publicKey));
  assert.ok(Date.parse(x(certs.expired).validTo) < Date.now(), 'expired must end in the past');
  assert.equal(valid(certs.expired), false);
  assert.ok(x(certs.expired).checkPrivateKey(createPrivateKey(certs.expired.key)));

  assert.deepEqual(sans(certs.wrongSan), ['DNS:wrong.example']);
  assert.equal(x(certs.wrongSan).checkHost('localhost'), undefined);
  assert.ok(x(certs.wrongSan).verify(x(certs.ca).publicKey));
  assert.ok(valid(certs.wrongSan));
});

test('cached per process, and tlsDir lays out cert.pem / key.pem / ca.pem', async () => {
  assert.equal(await makeCerts(), certs);
  const dir = tlsDir(certs.client, certs.ca);
  assert.equal(readFileSync(join(dir, 'cert.pem'), 'utf8'), certs.client.cert);
  assert.equal(readFileSync(join(dir, 'key.pem'), 'utf8'), certs.client.key);
  assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), certs.ca.cert);
  assert.equal(existsSync(join(tlsDir(certs.server), 'ca.pem')), false);
});

// One real handshake per kind: Node's TLS (not just the parser) accepts the good pair and refuses
// the bad ones with the error a TLS test will look for.
async function handshake(serverEntry, clientEntry, servername = 'localhost') {
  const { createServer, connect } = await import('node:tls');
  const server = createServer({ cert: serverEntry.cert, key: serverEntry.key, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true });
  server.on('tlsClientError', () => {});
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise((resolve) => {
      const socket = connect({ port: server.address().port, host: '127.0.0.1', servername, ca: certs.ca.cert, cert: clientEntry.cert, key: clientEntry.key });
      socket.once('secureConnect', () => { const peer = socket.getPeerCertificate(); socket.destroy(); resolve({ ok: true, peer }); });
      socket.once('error', (err) => { socket.destroy(); resolve({ ok: false, code: err.code }); });
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('handshakes: mTLS with server/client works; expired and wrong SAN are refused by the client', async () => {
  const ok = await handshake(certs.server, certs.client);
  assert.equal(ok.ok, true);
  assert.equal(ok.peer.fingerprint256, certs.server.fingerprint256);
  assert.deepEqual(await handshake(certs.expired, certs.client), { ok: false, code: 'CERT_HAS_EXPIRED' });
  assert.deepEqual(await handshake(certs.wrongSan, certs.client), { ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});
