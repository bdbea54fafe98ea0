// sdsTlsSource against a real SDS server: our Go program on go-control-plane's xDS server and
// snapshot cache (test/security/go/cmd/sds-server), serving Envoy's SecretDiscoveryService on a
// Unix socket as Istio's node agent does. The Go server prints what it received (REQUEST, ACK,
// NACK with its error_detail), so the tests assert what the peer saw, not only what we did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { once } from 'node:events';
import { sdsTlsSource } from '@meshlet/security/sds';
import { createMeshlet } from 'meshlet-rpc';
import { defineService, t as types, currentCall } from '@meshlet/core';
import { goModulePeer } from '../fleet/lib/go.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';
import { load } from './load.js';

let binary;
let certs;
const dir = mkdtempSync(join(tmpdir(), 'meshlet-sds-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let socketCount = 0;

before(async () => {
  // The first build fetches go-control-plane and gRPC-Go: minutes; cached afterwards.
  [binary, certs] = await Promise.all([goModulePeer('test/security/go', 'sds-server'), makeCerts()]);
});

/** A running sds-server: its output lines, a wait for a line, commands on stdin, kill. */
async function startServer(socket, leaf = certs.server, ca = certs.ca) {
  const child = spawn(binary, ['-socket', socket, '-cert', leaf.certPath, '-key', leaf.keyPath, '-ca', ca.certPath], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = [];
  const waiters = new Set();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters) w();
  });
  const exited = once(child, 'exit');
  const server = {
    child,
    lines,
    /** Resolves with the first line (from `from` on) matching `re`; rejects after `ms`. */
    waitFor(re, { from = 0, ms = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`sds-server: no line ${re} within ${ms} ms; saw:\n${lines.join('\n')}\n${stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(command) {
      child.stdin.write(`${command}\n`);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  await server.waitFor(/^READY /, { ms: 30_000 });
  return server;
}

function freshSocket() {
  return join(dir, `sds-${++socketCount}.sock`);
}

/** Polls `cond` until true or `ms` passes (for states with no event of their own). */
async function until(cond, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function serialOf(material) {
  return new X509Certificate(material.cert).serialNumber;
}

/** One real handshake with the material: a server on it, a client trusting its `ca`. */
async function handshake(material) {
  const server = tls.createServer({ cert: material.cert, key: material.key }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = tls.connect({ port: server.address().port, host: '127.0.0.1', ca: material.ca, servername: 'localhost' });
    await once(socket, 'secureConnect');
    const peer = socket.getPeerX509Certificate();
    socket.destroy();
    return peer.serialNumber;
  } finally {
    server.close();
  }
}

test('loads the certificate and roots from the SDS server and ACKs them', async (t) => {
  const socket = freshSocket();
  const server = await startServer(socket);
  t.after(() => server.kill());
  const source = sdsTlsSource({ address: `unix:${socket}`, node: { id: 'orders~1', cluster: 'orders' }, readyTimeout: 10_000 });
  t.after(() => source.close());

  assert.throws(() => source.current(), { code: 'UNAVAILABLE' });
  await source.ready();
  const material = source.current();
  assert.equal(material.cert, certs.server.cert);
  assert.equal(material.key, certs.server.key);
  assert.equal(material.ca, certs.ca.cert);
  assert.equal(await handshake(material), certs.server.serial);

  // What the server saw: one request for both names with our node, then the ACK of v1.
  assert.match(await server.waitFor(/^REQUEST /), /version= nonce= names=default,ROOTCA node=orders~1$/);
  const sent = await server.waitFor(/^SENT .*version=v1/);
  const nonce = /nonce=(\S+)/.exec(sent)[1];
  assert.match(await server.waitFor(/^ACK /), new RegExp(`version=v1 nonce=${nonce}$`));

  const status = source.status();
  assert.equal(status.ready, true);
  assert.equal(status.state, 'open');
  assert.equal(status.version, 'v1');
  assert.equal(status.certificate.serial, certs.server.serial);
  assert.equal(status.certificate.spiffeId, 'spiffe://meshlet.test/ns/default/sa/server');
  assert.equal(status.nacks, 0);
});

test('a push rotates: onChange fires once and the next current() has the new certificate', async (t) => {
  const socket = freshSocket();
  const server = await startServer(socket);
  t.after(() => server.kill());
  const source = sdsTlsSource({ address: `unix:${socket}` });
  t.after(() => source.close());
  await source.ready();
  await server.waitFor(/^ACK .*version=v1/);

  let changes = 0;
  const changed = new Promise((resolve) => source.onChange(() => resolve(++changes)));
  const from = server.lines.length;
  server.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await changed;
  assert.equal(serialOf(source.current()), certs.server2.serial);
  assert.equal(await handshake(source.current()), certs.server2.serial);
  await server.waitFor(/^ACK .*version=v2/, { from });
  assert.equal(source.status().version, 'v2');
  // The same material pushed again under a new version is ACKed but is no change.
  server.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await server.waitFor(/^ACK .*version=v3/, { from });
  assert.equal(changes, 1);
});

test('a push whose key does not match is NACKed with the reason, and the last good material stays', async (t) => {
  const socket = freshSocket();
  const server = await startServer(socket);
  t.after(() => server.kill());
  const source = sdsTlsSource({ address: `unix:${socket}` });
  t.after(() => source.close());
  await source.ready();
  await server.waitFor(/^ACK .*version=v1/);
  let changes = 0;
  source.onChange(() => changes++);

  server.send('bad');
  // The NACK names the last good version (v1), the rejected response's nonce and why.
  const nack = await server.waitFor(/^NACK /);
  assert.match(nack, /version=v1 nonce=\S+ error=secret default: the private key does not match the certificate$/);
  assert.equal(serialOf(source.current()), certs.server.serial);
  assert.equal(await handshake(source.current()), certs.server.serial);

  server.send('garbage');
  assert.match(await server.waitFor(/^NACK .*not a certificate/), /version=v1 /);
  const status = source.status();
  assert.equal(status.version, 'v1');
  assert.equal(status.nacks, 2);
  assert.match(status.lastError.message, /not a certificate/);

  // A good push after the bad ones is taken again.
  const changed = new Promise((resolve) => source.onChange(resolve));
  server.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await changed;
  assert.equal(serialOf(source.current()), certs.server2.serial);
  assert.match(await server.waitFor(/^ACK .*version=v4/), /version=v4/);
  assert.equal(changes, 1);
});

test('the server killed: the last certificate keeps serving; restarted: the source reconnects with its version', async (t) => {
  const socket = freshSocket();
  const first = await startServer(socket);
  t.after(() => first.kill());
  const source = sdsTlsSource({ address: `unix:${socket}`, backoff: { initial: 50, max: 300 } });
  t.after(() => source.close());
  await source.ready();
  await first.waitFor(/^ACK .*version=v1/);
  first.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await first.waitFor(/^ACK .*version=v2/);

  await first.kill();
  await until(() => source.status().state === 'backoff', 'the source to see the stream break');
  // While nobody serves, the last good material is still handed out, and works.
  assert.equal(serialOf(source.current()), certs.server2.serial);
  assert.equal(await handshake(source.current()), certs.server2.serial);
  assert.match(source.status().lastError.message, /broke/);
  await until(() => source.status().streams >= 3, 'a failed reconnect attempt'); // retrying, not given up

  // A new server (fresh state, back at v1, with the first certificate) on the same socket.
  const changed = new Promise((resolve) => source.onChange(resolve));
  const second = await startServer(socket, certs.server);
  t.after(() => second.kill());
  // The new stream's first request names the version last accepted, as Envoy's does.
  assert.match(await second.waitFor(/^REQUEST /), /version=v2 nonce= names=default,ROOTCA/);
  await changed;
  assert.equal(serialOf(source.current()), certs.server.serial);
  await second.waitFor(/^ACK .*version=v1/);
  assert.equal(source.status().state, 'open');
});

const Who = defineService({ interface: 'com.meshlet.test.SdsWho', methods: { who: { params: [], returns: types.string } } });

test('a Dubbo provider and consumer both on SDS certificates: mTLS with the caller\'s SPIFFE id; a push rotates the provider', async (t) => {
  // One SDS server per workload, as each pod has its own node agent socket.
  const providerSocket = freshSocket();
  const consumerSocket = freshSocket();
  const [providerSds, consumerSds] = await Promise.all([startServer(providerSocket, certs.server), startServer(consumerSocket, certs.client)]);
  t.after(() => providerSds.kill());
  t.after(() => consumerSds.kill());
  const serverSource = sdsTlsSource({ address: `unix:${providerSocket}` });
  const clientSource = sdsTlsSource({ address: `unix:${consumerSocket}` });
  t.after(() => serverSource.close());
  t.after(() => clientSource.close());

  const provider = createMeshlet({ protocols: ['dubbo'], server: { host: '127.0.0.1', port: 0, tls: { source: serverSource, requestCert: true } } });
  provider.provide(Who, { who: async () => currentCall()?.identity?.spiffeId ?? 'anonymous' });
  await provider.start();
  t.after(() => provider.stop());
  const port = provider.address('dubbo').port;
  const consumer = createMeshlet({ protocols: ['dubbo'], client: { tls: { source: clientSource, identities: [SPIFFE_SERVER] } } });
  t.after(() => consumer.stop());
  const who = consumer.refer(Who, { url: `dubbo://127.0.0.1:${port}`, timeout: 3000 });

  assert.equal(await who.who(), SPIFFE_CLIENT);
  const seen = async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost' });
    await once(socket, 'secureConnect');
    const serial = socket.getPeerX509Certificate().serialNumber;
    socket.destroy();
    return serial;
  };
  assert.equal(await seen(), certs.server.serial);

  const changed = new Promise((resolve) => serverSource.onChange(resolve));
  providerSds.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await changed;
  assert.equal(await seen(), certs.server2.serial); // a new handshake gets the pushed certificate
  assert.equal(await who.who(), SPIFFE_CLIENT); // the open connection serves on
});

test('MESHLET_TLS_SDS alone: provider and consumer on their SDS sockets; a push rotates the provider under 128 calls in flight with none failed', async (t) => {
  const providerSocket = freshSocket();
  const consumerSocket = freshSocket();
  const [providerSds, consumerSds] = await Promise.all([startServer(providerSocket, certs.server), startServer(consumerSocket, certs.client)]);
  t.after(() => providerSds.kill());
  t.after(() => consumerSds.kill());
  const provider = createMeshlet({ protocols: ['dubbo'], server: { host: '127.0.0.1', port: 0 } }, { MESHLET_TLS_SDS: `unix:${providerSocket}` });
  provider.provide(Who, { who: async () => currentCall()?.identity?.spiffeId ?? 'anonymous' });
  await provider.start(); // waits for the first certificate
  t.after(() => provider.stop());
  const port = provider.address('dubbo').port;
  const consumer = createMeshlet({ protocols: ['dubbo'] }, { MESHLET_TLS_SDS: `unix:${consumerSocket}`, MESHLET_TLS_IDENTITIES: SPIFFE_SERVER });
  t.after(() => consumer.stop());
  const who = consumer.refer(Who, { url: `dubbo://127.0.0.1:${port}`, timeout: 5000 });
  assert.equal(await who.who(), SPIFFE_CLIENT);
  const running = load(() => who.who().then((id) => assert.equal(id, SPIFFE_CLIENT)));
  t.after(() => running.stop());
  await running.more(500);

  const rotated = providerSds.lines.length;
  providerSds.send(`rotate ${certs.server2.certPath} ${certs.server2.keyPath} ${certs.ca.certPath}`);
  await providerSds.waitFor(/ACK/, { from: rotated });
  let serial;
  const deadline = Date.now() + 5000;
  while (serial !== certs.server2.serial && Date.now() < deadline) {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, servername: 'localhost' });
    await once(socket, 'secureConnect');
    serial = socket.getPeerX509Certificate().serialNumber;
    socket.destroy();
  }
  assert.equal(serial, certs.server2.serial);
  await running.more(2000);
  await running.stop();
  assert.deepEqual(running.failures.map((e) => `${e.code} ${e.message}`), []);
  t.diagnostic(`${running.ok} calls answered through the rotation, none failed`);
});

test('ready() rejects with UNAVAILABLE when nothing serves in time, and resolves on a later call once a server comes; close() settles everything', async () => {
  const source = sdsTlsSource({ address: `unix:${join(dir, 'nobody.sock')}`, readyTimeout: 300, backoff: { initial: 50, max: 100 } });
  const started = Date.now();
  await assert.rejects(source.ready(), (err) => {
    assert.equal(err.code, 'UNAVAILABLE');
    assert.match(err.message, /within 300 ms/);
    assert.match(err.message, /last error: .*ECONNREFUSED|ENOENT/);
    return true;
  });
  assert.ok(Date.now() - started < 5_000);
  assert.throws(() => source.current(), { code: 'UNAVAILABLE' });
  // The source goes on trying: a server that comes up later is found, and a new ready() waits for it.
  const late = await startServer(join(dir, 'nobody.sock'));
  try {
    await source.ready();
    assert.equal(serialOf(source.current()), certs.server.serial);
  } finally {
    source.close();
    await late.kill();
  }
  assert.equal(source.status().state, 'closed');

  // Closed while waiting: ready() rejects with SHUTDOWN instead of staying pending.
  const other = sdsTlsSource({ address: `unix:${join(dir, 'nobody.sock')}`, readyTimeout: 60_000 });
  const pending = other.ready();
  other.close();
  await assert.rejects(pending, { code: 'SHUTDOWN' });
});

test('bad options are refused with INVALID_ARGUMENT', () => {
  assert.throws(() => sdsTlsSource({ address: '' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => sdsTlsSource({ address: 'unix:/x', readyTimeout: -1 }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => sdsTlsSource({ address: 'unix:/x', certName: '' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => sdsTlsSource({ address: 'unix:/x', caName: 7 }), { code: 'INVALID_ARGUMENT' });
});

after(() => rmSync(dir, { recursive: true, force: true }));
