// Issue 16 item 4, bounded exposure: the limits a public-facing port keeps by default, seen from a
// hostile or broken peer on real sockets against real servers (core README, "Limits a public port
// keeps", lists each default and what the peer sees):
//  - TLS handshake limit (10 s): a silent TCP client, a ClientHello dripped one byte a second and a
//    silent client on a permissive port are closed at the limit; a finished handshake is not;
//  - maxConnections: connection N+1 is closed on arrival, the first N keep working;
//  - maxInFlightPerConnection (4096): Dubbo, Bolt, Motan2 and RSocket refuse the request past it with their
//    busy status (SERVER_BUSY to a Meshlet caller), unrun, while those under it complete;
//  - idleTimeout: a silent plaintext connection is closed.
// Tested elsewhere, not repeated here: a peer that never reads its replies stalls the provider at
// writeHighWater (test/runtime/pressure.test.js per protocol, packages/core/src/engine/limits.test.ts
// for the engine), a frame dripped under frameTimeout and the process-wide maxProcessBuffered
// (limits.test.ts, pressure.test.js), an oversized frame (pressure.test.js).
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import {
  DEFAULT_FRAME_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, DEFAULT_MAX_PROCESS_BUFFERED, DEFAULT_WRITE_HIGH_WATER, engineLimits,
} from '@meshlet/core/engine';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { makeCerts } from './certs.js';

const PROTOCOLS = { dubbo, bolt, motan2 };
/** The in-flight limit's protocols: the framed three and RSocket (its own listener, the same limit). */
const IN_FLIGHT_PROTOCOLS = { ...PROTOCOLS, rsocket };
const Echo = (protocol) => defineService({
  interface: 'com.meshlet.test.Exposure', version: '1.0', protocol,
  methods: { echo: { params: [t.string], returns: t.string } },
});
const certs = await makeCerts();

/** A provider of Echo on 127.0.0.1 whose method is `echo`, with `server` options over the defaults. */
async function provider(name, echo, server = {}) {
  const rt = createRuntime({ protocols: [IN_FLIGHT_PROTOCOLS[name]()], server: { host: '127.0.0.1', port: 0, ...server } });
  rt.provide(Echo(name), { echo });
  await rt.start();
  return rt;
}

/** A consumer of its own (so its own connection) calling `port` once per call, no retries. */
function consumer(name, port, timeout = 20_000) {
  const rt = createRuntime({ protocols: [IN_FLIGHT_PROTOCOLS[name]()] });
  return { rt, ref: rt.refer(Echo(name), { url: `127.0.0.1:${port}`, protocol: name, cluster: 'failfast', timeout }) };
}

/**
 * The engine's listener behind a runtime's protocol server, to read the defaults it was given (a
 * private field: a default of 10 000 connections or 180 s cannot be reached in a test's time).
 */
function listenerOf(rt, name) {
  return rt.servers.get(name).server;
}

/** A raw TCP connection; `closed` resolves with ms from connect to close, `bytes` counts what arrived. */
async function rawClient(port) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const conn = { socket, bytes: 0 };
  socket.on('data', (d) => { conn.bytes += d.length; });
  await new Promise((r, j) => { socket.once('connect', r); socket.once('close', () => j(new Error('closed before connect'))); });
  const opened = Date.now();
  conn.closed = new Promise((r) => socket.once('close', () => r(Date.now() - opened)));
  return conn;
}

/** Resolves once `predicate()` holds, polled; throws after `ms`. */
async function until(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The ClientHello a Node TLS client sends, caught by a plain TCP listener. */
async function clientHello() {
  let hello;
  const catcher = net.createServer((s) => s.once('data', (d) => { hello = d; s.destroy(); }));
  await new Promise((r) => catcher.listen(0, '127.0.0.1', r));
  const c = tls.connect({ host: '127.0.0.1', port: catcher.address().port, ca: certs.ca.cert, servername: 'localhost' });
  c.on('error', () => {});
  try {
    await until(() => hello !== undefined, 5000, 'a ClientHello');
  } finally {
    c.destroy();
    catcher.close();
  }
  return hello;
}

test('the documented defaults are the engine\'s', () => {
  assert.equal(DEFAULT_HANDSHAKE_TIMEOUT, 10_000);
  assert.equal(DEFAULT_MAX_CONNECTIONS, 10_000);
  assert.equal(DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 4096);
  assert.equal(DEFAULT_FRAME_TIMEOUT, 30_000);
  assert.equal(DEFAULT_MAX_FRAME_SIZE, 8 * 1024 * 1024);
  assert.equal(DEFAULT_WRITE_HIGH_WATER, 4 * 1024 * 1024);
  assert.equal(DEFAULT_MAX_PROCESS_BUFFERED, 256 * 1024 * 1024);
  assert.equal(engineLimits.maxProcessBuffered, DEFAULT_MAX_PROCESS_BUFFERED);
});

test('each protocol\'s listener gets 10 000 connections and its idle limit (Dubbo, Motan2 180 s; Bolt 90 s) unless told otherwise', async () => {
  for (const [name, idle] of [['dubbo', 180_000], ['bolt', 90_000], ['motan2', 180_000]]) {
    const rt = await provider(name, (s) => s);
    try {
      const listener = listenerOf(rt, name);
      assert.equal(listener.server.maxConnections, 10_000, `${name}: maxConnections`);
      assert.equal(listener.options.idleTimeout, idle, `${name}: idleTimeout`);
    } finally {
      await rt.stop(0);
    }
  }
});

test('default TLS handshake limit (10 s): a silent client, a ClientHello dripped a byte a second and a silent client on a permissive port are closed at it; a finished handshake stays', { timeout: 40_000 }, async () => {
  const hello = await clientHello();
  const tlsOptions = { cert: certs.server.cert, key: certs.server.key };
  const strict = await provider('dubbo', (s) => s, { tls: tlsOptions });
  const permissive = await provider('dubbo', (s) => s, { tls: { ...tlsOptions, mode: 'permissive' } });
  const strictPort = strict.address('dubbo').port;
  let drip;
  const done = tls.connect({ host: '127.0.0.1', port: strictPort, ca: certs.ca.cert, servername: 'localhost' });
  done.on('error', () => {});
  const secured = new Promise((r, j) => { done.once('secureConnect', r); done.once('close', () => j(new Error('the handshake failed'))); });
  try {
    const silent = await rawClient(strictPort);
    const dripping = await rawClient(strictPort);
    let sent = 0;
    drip = setInterval(() => { if (!dripping.socket.destroyed) dripping.socket.write(hello.subarray(sent, ++sent)); }, 1000);
    dripping.socket.write(hello.subarray(0, ++sent));
    const silentPermissive = await rawClient(permissive.address('dubbo').port);
    await secured;
    let doneClosed = false;
    done.once('close', () => { doneClosed = true; });

    const [a, b, c] = await Promise.all([silent.closed, dripping.closed, silentPermissive.closed]);
    // Not before the limit (a timer is never early), and not long after it (the machine is loaded).
    for (const [what, ms] of [['silent', a], ['dripping', b], ['silent on the permissive port', c]]) {
      assert.ok(ms >= DEFAULT_HANDSHAKE_TIMEOUT - 50 && ms < DEFAULT_HANDSHAKE_TIMEOUT + 4000, `${what}: closed after ${ms} ms`);
    }
    assert.ok(sent < hello.length, `closed with ${sent} of the ClientHello's ${hello.length} bytes sent`);
    assert.equal(silent.bytes + dripping.bytes + silentPermissive.bytes, 0, 'nothing was answered');
    assert.equal(doneClosed, false, 'a client whose handshake finished is not closed by the handshake limit');
  } finally {
    clearInterval(drip);
    done.destroy();
    await strict.stop(0);
    await permissive.stop(0);
  }
});

test('maxConnections: connection N+1 is closed on arrival while the first N keep working', { timeout: 20_000 }, async () => {
  const max = 3;
  const rt = await provider('dubbo', (s) => s, { maxConnections: max });
  const port = rt.address('dubbo').port;
  const clients = Array.from({ length: max }, () => consumer('dubbo', port));
  try {
    for (const [i, c] of clients.entries()) assert.equal(await c.ref.echo(`first ${i}`), `first ${i}`);
    assert.equal(listenerOf(rt, 'dubbo').connectionCount, max);
    const extra = await rawClient(port);
    const ms = await extra.closed;
    assert.ok(ms < 2000, `closed ${ms} ms after it opened`);
    assert.equal(extra.bytes, 0);
    for (const [i, c] of clients.entries()) assert.equal(await c.ref.echo(`again ${i}`), `again ${i}`);
  } finally {
    for (const c of clients) await c.rt.stop(0);
    await rt.stop(0);
  }
});

for (const name of Object.keys(IN_FLIGHT_PROTOCOLS)) {
  test(`${name}: past the default ${DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION} requests in flight on a connection, the next are refused with SERVER_BUSY, unrun; those under it complete`, { timeout: 40_000 }, async () => {
    let release;
    const gate = new Promise((r) => (release = r));
    let handled = 0;
    const rt = await provider(name, async (s) => { handled++; await gate; return s; });
    const { rt: client, ref } = consumer(name, rt.address(name).port);
    try {
      const under = Array.from({ length: DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION }, (_, i) => ref.echo(`call ${i}`));
      const underSettled = under.map((p) => p.then(() => 'ok', (e) => e));
      await until(() => handled === DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 20_000, `${DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION} calls in the handler`);
      const started = Date.now();
      for (const extra of ['over 1', 'over 2']) {
        await assert.rejects(ref.echo(extra), (e) => RpcError.is(e, Code.ServerBusy) && /maxInFlightPerConnection/.test(e.message), `${name}: ${extra}`);
      }
      assert.ok(Date.now() - started < 5000, 'refused at once, not after a timeout');
      assert.equal(handled, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 'the refused calls never reached the method');
      release();
      const results = await Promise.all(underSettled);
      assert.deepEqual(results.filter((r) => r !== 'ok'), [], 'every call under the limit completes');
      assert.equal(await under[7], 'call 7');
      assert.equal(await ref.echo('after'), 'after', 'once they are answered, the connection takes calls again');
    } finally {
      release();
      await client.stop(0);
      await rt.stop(0);
    }
  });
}

test('maxInFlightPerConnection counts per connection: one full connection does not refuse another\'s calls', { timeout: 20_000 }, async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  let blocked = 0;
  const rt = await provider('bolt', async (s) => {
    if (s.startsWith('block')) { blocked++; await gate; }
    return s;
  }, { maxInFlightPerConnection: 2 });
  const port = rt.address('bolt').port;
  const a = consumer('bolt', port);
  const b = consumer('bolt', port);
  try {
    const held = [a.ref.echo('block 1'), a.ref.echo('block 2')];
    await until(() => blocked === 2, 10_000, 'two blocked calls');
    await assert.rejects(a.ref.echo('block 3'), (e) => RpcError.is(e, Code.ServerBusy));
    assert.equal(await b.ref.echo('free'), 'free', 'another connection is served');
    release();
    assert.deepEqual(await Promise.all(held), ['block 1', 'block 2']);
    assert.equal(blocked, 2);
  } finally {
    release();
    await a.rt.stop(0);
    await b.rt.stop(0);
    await rt.stop(0);
  }
});

test('maxInFlightPerConnection that is not a whole number >= 1 fails start with INVALID_ARGUMENT', async () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    const rt = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0, maxInFlightPerConnection: bad } });
    rt.provide(Echo('dubbo'), { echo: (s) => s });
    await assert.rejects(rt.start(), (e) => RpcError.is(e, Code.InvalidArgument) && /maxInFlightPerConnection/.test(e.message), String(bad));
    await rt.stop(0);
  }
});

test('idleTimeout: a plaintext connection that sends nothing is closed after it', { timeout: 20_000 }, async () => {
  const idle = 400;
  const rt = await provider('motan2', (s) => s, { idleTimeout: idle });
  try {
    const silent = await rawClient(rt.address('motan2').port);
    const ms = await silent.closed;
    // The idle sweep runs every idle/3 ms: closed between the limit and a sweep later (plus load).
    assert.ok(ms >= idle - 50 && ms < idle + 3000, `closed after ${ms} ms`);
  } finally {
    await rt.stop(0);
  }
});

test('a call refused for in-flight load is retried on another provider by failover: it never ran', { timeout: 20_000 }, async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  let ranOnA = 0;
  let ranOnB = 0;
  const a = await provider('dubbo', async (s) => { ranOnA++; await gate; return s; }, { maxInFlightPerConnection: 1 });
  const b = await provider('dubbo', (s) => { ranOnB++; return s; });
  const urls = [`127.0.0.1:${a.address('dubbo').port}`, `127.0.0.1:${b.address('dubbo').port}`];
  const client = createRuntime({ protocols: [dubbo()] });
  const failover = client.refer(Echo('dubbo'), { url: urls, cluster: 'failover', retries: 2, timeout: 10_000 });
  const failfast = client.refer(Echo('dubbo'), { url: urls, cluster: 'failfast', timeout: 10_000 });
  const held = [];
  try {
    // Calls until one is held on A: its one slot on this consumer's connection is taken.
    while (ranOnA === 0) {
      held.push(failover.echo('hold'));
      await until(() => ranOnA + ranOnB >= held.length, 5000, 'the call to land');
    }
    const fast = await Promise.all(Array.from({ length: 20 }, (_, i) => failfast.echo(`fast ${i}`).then(() => 'ok', (e) => e.code)));
    assert.ok(fast.includes(Code.ServerBusy), `without a retry, calls picked A are refused: ${fast}`);
    const retried = await Promise.all(Array.from({ length: 20 }, (_, i) => failover.echo(`retried ${i}`)));
    assert.deepEqual(retried, Array.from({ length: 20 }, (_, i) => `retried ${i}`));
    assert.equal(ranOnA, 1, 'A ran only the held call');
    release();
    assert.deepEqual((await Promise.all(held)).at(-1), 'hold');
  } finally {
    release();
    await client.stop(0);
    await a.stop(0);
    await b.stop(0);
  }
});
