// The Meshlet agent over mTLS (its ports through core's ServerTls, its upstream dials through
// connectTls): Dubbo, Bolt and Motan2 callers through a TLS agent to an mTLS provider, the API on
// the same port over HTTPS, refusals, permissive ports, and an app in sidecar mode through it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import * as net from 'node:net';
import * as https from 'node:https';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeshlet, createRegistry } from 'meshlet-rpc';
import { Agent, loadAgentConfig } from '@meshlet/agent';
import { defineService, t, currentCall, RpcError } from '@meshlet/core';
import { makeCerts, tlsDir, SPIFFE_SERVER } from './certs.js';
import { CLI, startProcess } from '../sidecar/helpers.js';

const certs = await makeCerts();
const PROTOCOLS = ['dubbo', 'bolt', 'motan2'];
const service = {
  interface: 'com.meshlet.test.AgentTlsEcho',
  version: '1.0', // Bolt and Motan2 frames always carry one
  methods: { echo: { params: [t.string], returns: t.string }, who: { params: [], returns: t.string } },
};
const Echo = defineService(service);
/** The provider's: exported on each of the three protocols. */
const EchoAll = defineService({ ...service, protocol: PROTOCOLS });
const impl = {
  echo: async (s) => s,
  // The provider's caller: over mTLS from the agent, the agent's own certificate.
  who: async () => JSON.stringify(currentCall()?.identity?.spiffeId ?? null),
};
const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const clientTls = (leaf = certs.client) => ({ ...pair(leaf), identities: [SPIFFE_SERVER] });

const open = [];
after(async () => {
  for (const c of open.reverse()) await c.stop(0).catch(() => {});
});

const registryUrl = () => `local://${mkdtempSync(join(tmpdir(), 'meshlet-agent-tls-'))}`;

/** An mTLS provider of Echo on the three protocols, in `registry`. */
async function provider(registry) {
  const mesh = createMeshlet({
    application: 'agent-tls-provider', protocols: PROTOCOLS, registry,
    server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server2), requestCert: true, rejectUnauthorized: true } },
  }, { MESHLET_AGENT: 'off' });
  mesh.provide(EchoAll, impl);
  open.push(mesh);
  await mesh.start();
  return mesh;
}

/** An agent in this process: mTLS from a MESHLET_TLS_DIR-style directory with the server certificate. */
async function agent(registry, extra = {}) {
  const config = loadAgentConfig({
    env: {},
    overrides: {
      registry, host: '127.0.0.1', port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0, gracePeriod: 0,
      tlsDir: tlsDir(certs.server, certs.ca), upstreamIdentities: [SPIFFE_SERVER], ...extra,
    },
  });
  const a = await Agent.start(config);
  open.push(a);
  return a;
}

/** A direct-mode caller that sends its calls to the agent's egress port. */
function caller(protocol, port, tlsOptions) {
  const mesh = createMeshlet({ protocols: [protocol], registry: false, client: { tls: tlsOptions, connectTimeout: 2000 } }, { MESHLET_AGENT: 'off' });
  open.push(mesh);
  return mesh.refer(Echo, { url: `${protocol}://127.0.0.1:${port}`, protocol, timeout: 3000, retries: 0 });
}

function httpsGet(port, path, tlsOptions) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, ...tlsOptions, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('no answer')));
  });
}

/** Whether a plaintext socket is closed on (or errors) after writing `bytes`, within `ms`. */
async function plainDropped(port, bytes, ms = 3000) {
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  s.write(bytes);
  let data = '';
  s.on('data', (d) => (data += d));
  s.on('error', () => {});
  const t0 = Date.now();
  await once(s, 'close');
  return { took: Date.now() - t0, data };
}

test('Dubbo, Bolt and Motan2 callers over mTLS through the agent to an mTLS provider; the API on the same port over HTTPS', async () => {
  const registry = registryUrl();
  await provider(registry);
  const a = await agent(registry);
  const port = a.addresses.egress[0];
  for (const protocol of PROTOCOLS) {
    const echo = caller(protocol, port, clientTls());
    assert.equal(await echo.echo(`via ${protocol}`).catch((e) => { throw new Error(`${protocol}: ${e.code} ${e.message}`); }), `via ${protocol}`, protocol);
    // The provider saw the agent's certificate: the upstream dial was mTLS with the agent's identity.
    assert.equal(JSON.parse(await echo.who()), SPIFFE_SERVER, protocol);
  }
  const status = await httpsGet(port, '/status', pair(certs.client));
  assert.equal(status.status, 200);
  assert.equal(JSON.parse(status.body).mode, 'agent');
  // The ingress port is TLS too.
  const ingress = caller('dubbo', a.addresses.ingress, clientTls());
  await assert.rejects(ingress.echo('x'), (err) => err instanceof RpcError); // no local app serves it: refused, but over TLS
  const served = await servedSerial(a.addresses.ingress);
  assert.equal(served, certs.server.serial);
});

/** The serial of the certificate a TLS connection to the port is shown. */
async function servedSerial(port) {
  const s = tls.connect({ host: '127.0.0.1', port, ...pair(certs.client), servername: 'localhost' });
  await once(s, 'secureConnect');
  const serial = s.getPeerCertificate().serialNumber;
  s.destroy();
  return serial;
}

test('strict: plaintext callers and plain HTTP are dropped, an untrusted certificate is refused, a wrong agent identity is refused', async () => {
  const registry = registryUrl();
  await provider(registry);
  const a = await agent(registry);
  const port = a.addresses.egress[0];
  await assert.rejects(caller('dubbo', port, undefined).echo('plain'), (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED', 'TIMEOUT'].includes(err.code));
  await assert.rejects(caller('bolt', port, { ...pair(certs.untrusted), identities: [SPIFFE_SERVER] }).echo('x'), (err) => err instanceof RpcError && ['UNAVAILABLE', 'CONNECTION_CLOSED'].includes(err.code));
  await assert.rejects(caller('motan2', port, { ...pair(certs.client), identities: ['spiffe://meshlet.test/ns/default/sa/not-the-agent'] }).echo('x'),
    (err) => err instanceof RpcError && err.code === 'UNAVAILABLE' && /none of the expected/.test(err.message));
  const http = await plainDropped(port, 'GET /status HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.ok(!http.data.includes('200'), 'no plaintext answer on a strict port');
  // The refused handshakes are counted, by reason, in /status.
  const status = a.status();
  assert.equal(status.tls.mode, 'strict');
  const refusedHandshakes = Object.values(status.tls.handshakeFailures).reduce((n, k) => n + k, 0);
  assert.ok(refusedHandshakes >= 2, `handshake failures counted: ${JSON.stringify(status.tls.handshakeFailures)}`);
  // Still serving the right callers.
  assert.equal(await caller('dubbo', port, clientTls()).echo('ok'), 'ok');
});

test('permissive: TLS and plaintext callers, and plain and TLS HTTP, on one port', async () => {
  const registry = registryUrl();
  await provider(registry);
  const a = await agent(registry, { tlsMode: 'permissive' });
  const port = a.addresses.egress[0];
  const [x, y, z] = await Promise.all([
    caller("dubbo", port, undefined).echo("plain dubbo").catch((e) => { throw new Error(`${e.code} ${e.message}`); }),
    caller('bolt', port, clientTls()).echo('tls bolt'),
    caller('motan2', port, undefined).echo('plain motan2'),
  ]);
  assert.deepEqual([x, y, z], ['plain dubbo', 'tls bolt', 'plain motan2']);
  const plain = await fetch(`http://127.0.0.1:${port}/status`);
  assert.equal(plain.status, 200);
  await plain.arrayBuffer();
  assert.equal((await httpsGet(port, '/status', pair(certs.client))).status, 200);
  // A byte no protocol starts with is still closed, plaintext or not.
  const junk = await plainDropped(port, Buffer.from([0x00, 0x01, 0x02]));
  assert.equal(junk.data, '');
});

test('an app in sidecar mode reaches a TLS agent: registration over HTTPS, heartbeat and calls over mTLS, both ways', async () => {
  const registry = registryUrl();
  const a = await agent(registry);
  const url = `meshlet://127.0.0.1:${a.addresses.egress[0]}?health=300&healthTimeout=1000`;
  const sidecarApp = (options) => {
    const app = createMeshlet({ protocols: ['dubbo'], client: { tls: clientTls() }, ...options }, { MESHLET_AGENT: url });
    // createMeshlet hands the app's client TLS to its agent registry (API, heartbeat, the agent's endpoints).
    assert.ok(app.sidecar.agent.tls);
    open.push(app);
    return app;
  };
  // A provider app behind the agent: registers through the agent's API (HTTPS); the agent publishes
  // it at its TLS ingress (ssl-enabled=true) and relays calls for it to the app on this host.
  const app = sidecarApp({ application: 'sidecar-tls-provider', server: { host: '127.0.0.1', port: 0 } });
  app.provide(Echo, impl);
  await app.start();
  // A consumer app in sidecar mode: its calls go to the agent over mTLS; the agent routes them.
  const consumer = sidecarApp({ application: 'sidecar-tls-consumer' });
  const echo = consumer.refer(Echo, { timeout: 3000 });
  await waitFor(() => consumer.sidecar.state === 'up', 8000, 'the agent to pass its TLS heartbeat');
  // The provider's registration reaches the agent once its heartbeat passed (over TLS), then over HTTPS.
  const registered = async () => JSON.parse((await httpsGet(a.addresses.egress[0], '/status', pair(certs.client))).body)
    .registrations.map((r) => r.application);
  await waitFor(async () => (await registered()).includes('sidecar-tls-provider'), 8000, 'the registration over HTTPS');
  assert.equal(await echo.echo('sidecar over tls'), 'sidecar over tls');
  // The app's own port is plaintext (its registration says no ssl-enabled): the agent relayed to it
  // in the clear, so the app sees no caller identity.
  assert.equal(JSON.parse(await echo.who()), null);
  // Remote callers find the agent's ingress advertised as TLS.
  const published = createRegistry(registry);
  let eps = [];
  const stop = await published.subscribe(Echo, (e) => (eps = e));
  await waitFor(() => eps.length === 1, 5000, 'the published endpoint');
  assert.equal(eps[0].port, a.addresses.ingress);
  assert.equal(eps[0].params['ssl-enabled'], 'true');
  stop();
  await published.close();

  // An app given only MESHLET_TLS_DIR (its deployment's certificates) reaches the agent as well.
  const fromEnv = createMeshlet({ application: 'env-tls', protocols: ['dubbo'] }, {
    MESHLET_AGENT: url, MESHLET_TLS_DIR: tlsDir(certs.client, certs.ca), MESHLET_TLS_IDENTITIES: SPIFFE_SERVER,
  });
  open.push(fromEnv);
  const envEcho = fromEnv.refer(Echo, { timeout: 3000 });
  await waitFor(() => fromEnv.sidecar.state === 'up', 8000, 'the env-configured app to pass the TLS heartbeat');
  assert.equal(await envEcho.echo('env tls'), 'env tls');

  // An agent URL with tls=false: the same app speaks plaintext to it, which a strict agent refuses.
  const plain = createMeshlet({ application: 'plain', protocols: ['dubbo'], client: { tls: clientTls() } }, { MESHLET_AGENT: `${url}&tls=false` });
  open.push(plain);
  assert.equal(plain.sidecar.agent.tls, undefined);
  await assert.rejects(plain.refer(Echo, { timeout: 1000, retries: 0 }).echo('x'), (err) => err instanceof RpcError);
});

async function waitFor(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('rotation: new certificate files in the directory are served to new connections; an open caller keeps calling', async () => {
  const registry = registryUrl();
  await provider(registry);
  const dir = tlsDir(certs.server, certs.ca);
  const a = await agent(registry, { tlsDir: dir });
  const port = a.addresses.egress[0];
  const echo = caller('dubbo', port, clientTls());
  assert.equal(await echo.echo('before'), 'before');
  assert.equal(await servedSerial(port), certs.server.serial);
  // As a secret update lands: the certificate, then its key (the mismatched moment in between is refused).
  copyFileSync(certs.server2.certPath, join(dir, 'cert.pem'));
  copyFileSync(certs.server2.keyPath, join(dir, 'key.pem'));
  await waitFor(async () => (await servedSerial(port)) === certs.server2.serial, 10_000, 'the rotated certificate on new connections');
  assert.equal(await servedSerial(a.addresses.ingress), certs.server2.serial, 'the ingress port rotated too');
  const calls = await Promise.all(Array.from({ length: 32 }, (_, i) => echo.echo(`after-${i}`)));
  assert.equal(calls[31], 'after-31');
});

test('meshlet agent --tls-dir --tls-mode permissive: READY, the API over HTTPS and plain HTTP on one port, SIGTERM exits 0', async () => {
  const p = startProcess([CLI, 'agent', '--registry', registryUrl(), '--host', '127.0.0.1', '--port', '0', '--http-port', '0',
    '--ingress-host', '127.0.0.1', '--ingress-port', '0', '--tls-dir', tlsDir(certs.server, certs.ca), '--tls-mode', 'permissive',
    '--upstream-identities', SPIFFE_SERVER], { env: { MESHLET_TLS_DIR: '' }, name: 'agent' });
  try {
    const [, json] = await p.started;
    const port = JSON.parse(json).egress[0];
    const secure = await httpsGet(port, '/status', pair(certs.client));
    assert.equal(secure.status, 200);
    assert.deepEqual(JSON.parse(secure.body).tls, { mode: 'permissive', handshakeFailures: {} });
    const plain = await fetch(`http://127.0.0.1:${port}/status`);
    assert.equal(plain.status, 200);
    await plain.arrayBuffer();
    assert.equal(await servedSerial(port), certs.server.serial);
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

test('an app whose own port takes mTLS, behind the agent: the ingress relays to it over mTLS with the agent\'s certificate', async () => {
  const registry = registryUrl();
  const a = await agent(registry);
  const url = `meshlet://127.0.0.1:${a.addresses.egress[0]}?health=300&healthTimeout=1000`;
  const app = createMeshlet({
    application: 'tls-app', protocols: ['dubbo'], client: { tls: clientTls() },
    server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server2), requestCert: true, rejectUnauthorized: true } },
  }, { MESHLET_AGENT: url });
  app.provide(Echo, impl);
  open.push(app);
  await app.start();
  const consumer = createMeshlet({ application: 'tls-app-consumer', protocols: ['dubbo'], client: { tls: clientTls() } }, { MESHLET_AGENT: url });
  open.push(consumer);
  const echo = consumer.refer(Echo, { timeout: 3000 });
  await waitFor(() => a.status().registrations.some((r) => r.application === 'tls-app'), 8000, 'the TLS app\'s registration');
  // Egress → the agent's own TLS ingress (published ssl-enabled=true) → the app's mTLS port
  // (registered ssl-enabled=true): the app sees the agent's SPIFFE ID.
  await waitFor(() => consumer.sidecar.state === 'up', 8000, 'the consumer\'s agent heartbeat');
  assert.equal(JSON.parse(await echo.who().catch((e) => { throw new Error(`${e.code}: ${e.message}`); })), SPIFFE_SERVER);
  assert.equal(await echo.echo('two tls hops'), 'two tls hops');
});
