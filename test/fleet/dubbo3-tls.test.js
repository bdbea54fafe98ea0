// Apache Dubbo 3.3.6 (Maven Central) against Meshlet over TLS and mTLS, both directions, directly and
// through a real ZooKeeper. The Java peers set TLS as a Dubbo application does, with one SslConfig
// (java/dubbo3: TlsProvider, TlsConsumer, Tls); certificates are openssl-made (test/security/certs.js).
// What this pins down about Dubbo 3.3.6 (test/fleet/README.md, "Dubbo 3 over TLS"): its port is TLS
// only once an SslConfig has a server certificate; its consumer dials every provider over TLS when
// it has a client certificate and key, and in plaintext with roots alone; a provider writes
// `ssl-enabled=true` into its URL only when told (ProtocolConfig#setSslEnabled), else nothing; on
// netty 4.2 its consumer needs netty's endpoint-verification switch set to NONE; a failed handshake
// is only logged, the call sees a closed channel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, currentCall, RpcError } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER, tlsDir } from '../security/certs.js';
import { javaArgs } from './lib/maven.js';
import { assertAllPassed, runConsumer, startPeer, stopAll } from './lib/processes.js';
import { dubboPeer, G2Echo, g2EchoImpl, JVM } from './dubbo/peer.js';
import { FleetService, fleetImpl } from './meshlet/fleet-service.js';
import { join } from 'node:path';
import { root } from './lib/cache.js';

const KIT = 29 + 11;
const ECHO = 'com.meshlet.conformance.EchoService';
const consumerJs = join(root, 'test', 'fleet', 'meshlet', 'consumer.js');
const certs = await makeCerts();

/** The kit's Meshlet consumer as a child process, with mTLS from MESHLET_TLS_DIR (client cert, CA). */
const meshletKit = (args, leaf = certs.client) => runConsumer(process.execPath, [consumerJs, '--protocol', 'dubbo', ...args], {
  name: 'meshlet dubbo consumer (mTLS)',
  env: { MESHLET_TLS_DIR: tlsDir(leaf, certs.ca), MESHLET_TLS_IDENTITIES: SPIFFE_SERVER },
});

/** Dubbo's graceful stop waits 10 s (dubbo.service.shutdown.wait) once it has served calls; 1 s here. */
const QUICK_STOP = ['--shutdown-wait', '1000'];

/** Java's TLS flags for a leaf certificate and the CA its peer must chain to. */
const tlsArgs = (leaf, ca = certs.ca) => ['--tls-cert', leaf.certPath, '--tls-key', leaf.keyPath, '--tls-ca', ca.certPath];

/** Meshlet's server side of mTLS: Node's options, a client certificate required and checked. */
const mtlsServer = { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true };

/**
 * A call that must be refused by TLS: a typed error before its 5 s timeout. (A cold JVM's first
 * handshake takes over a second on a loaded two-core machine, hence the 4 s connect timeout.)
 */
async function refused(call, codes, message) {
  const started = Date.now();
  await assert.rejects(call, (err) => {
    assert.ok(err instanceof RpcError, `an RpcError, got ${err}`);
    assert.ok(codes.includes(err.code), `${err.code}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
  assert.ok(Date.now() - started < 4500, `refused in ${Date.now() - started} ms`);
}

/** A Dubbo URL node name (URL.encode'd) as its parameters. */
const paramsOf = (name) => Object.fromEntries(new URL(decodeURIComponent(name)).searchParams);

async function waitForChildren(raw, path, n, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const names = await raw.children(path).catch(() => []);
    if (names.length >= n) return names;
    if (Date.now() > end) throw new Error(`${path}: ${names.length} children after ${ms} ms, wanted ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Apache Dubbo 3.3.6 over TLS (dubbo3)', { timeout: 300_000 }, () => {
  const started = [];
  let classpath;
  const javaProvider = (args) => startPeer('java', javaArgs(classpath, 'com.meshlet.dubbo.TlsProvider', ['--port', '0', ...args], JVM), { name: 'dubbo3 TLS provider' })
    .then((p) => (started.push(p), p));
  const javaConsumer = (args) => runConsumer('java', javaArgs(classpath, 'com.meshlet.dubbo.TlsConsumer', args, JVM), { name: 'dubbo3 TLS consumer', ms: 120_000 });
  /**
   * A Java consumer whose one call must fail: resolves with how long it took, its cause chain, and
   * Dubbo's logged warnings. A failed handshake is only logged; the call fails as a closed channel
   * when the close came first, else (the request already written) at its timeout, since Dubbo waits
   * for a closed channel's calls (DefaultFuture.closeChannel), or racing, with a NullPointerException
   * from DefaultFuture: which one depends on timing, so the reason is read from the log.
   */
  const javaRefused = async (args) => {
    const r = await javaConsumer(['--suite', 'refused', '--timeout', '3000', ...args]);
    assertAllPassed(r, 1);
    const m = /^REFUSED (\d+) ms (.*)$/m.exec(r.out);
    assert.ok(m, r.out);
    const log = r.out.split('\n').filter((l) => l.startsWith('LOG ')).join('\n');
    // Bounded by the call's timeout: Dubbo may hold a call whose channel failed its handshake until then.
    assert.ok(Number(m[1]) < 4500, `refused after ${m[1]} ms`);
    return { ms: Number(m[1]), chain: m[2], log };
  };

  /** A Meshlet Dubbo provider in this process with `tls`, noting each EchoService caller's identity. */
  async function meshletProvider(tls, registry = false) {
    const callers = [];
    const mesh = createMeshlet({ application: 'meshlet-dubbo3-tls', protocols: [dubbo()], registry, server: { host: '127.0.0.1', port: 0, tls } });
    mesh.provide(EchoService, {
      ...echoImpl,
      echo: (s) => {
        callers.push(currentCall()?.identity);
        return echoImpl.echo(s);
      },
    });
    mesh.provide(G2Echo, g2EchoImpl);
    mesh.provide(FleetService, fleetImpl);
    await mesh.start();
    started.push(mesh);
    return { mesh, port: mesh.address('dubbo').port, callers };
  }

  function meshletConsumer(tls, registry = false) {
    const mesh = createMeshlet({ application: 'meshlet-dubbo3-tls', protocols: [dubbo()], registry, client: { tls, connectTimeout: 4000 } });
    started.push(mesh);
    return mesh;
  }
  const mtlsClient = (leaf = certs.client, extra = {}) => ({ cert: leaf.cert, key: leaf.key, ca: certs.ca.cert, identities: [SPIFFE_SERVER], ...extra });

  before(async () => {
    ({ classpath } = await dubboPeer('dubbo3'));
  });
  after(() => stopAll(started));

  describe('Java consumer → Meshlet provider', () => {
    let provider;
    before(async () => {
      provider = await meshletProvider(mtlsServer);
    });

    it('mTLS: the kit and the fleet cases pass, and the provider sees the Java caller\'s certificate identity', async () => {
      assertAllPassed(await javaConsumer(['--target', `127.0.0.1:${provider.port}`, ...tlsArgs(certs.client)]), KIT);
      assert.ok(provider.callers.length > 0);
      for (const id of provider.callers) {
        assert.equal(id?.spiffeId, SPIFFE_CLIENT);
        assert.deepEqual(id.uris, [SPIFFE_CLIENT]);
        assert.match(id.subject, /CN=client/);
      }
    });

    // Each refusal is its own JVM, one after the other: side by side on two cores their calls'
    // times (asserted in javaRefused) measure the JVMs' start more than the refusal.
    describe('refusals, each with Dubbo\'s logged reason', () => {
      it('as shipped (netty 4.2 checks host names, Dubbo gives its SSLEngine none), a Dubbo 3.3.6 TLS consumer fails every handshake', async () => {
        // TlsConsumer's `--tls-netty-verify` leaves netty's default; without it the peer sets
        // -Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE, the switch such an app needs.
        const r = await javaRefused(['--target', `127.0.0.1:${provider.port}`, ...tlsArgs(certs.client), '--tls-netty-verify']);
        assert.match(r.log, /SSLHandshakeException: Hostname or IP address is undefined/);
      });

      it('a Java consumer with roots but no certificate of its own speaks plaintext (SslConfig needs key and chain for TLS): the strict port closes it, and Dubbo reports a timeout', async () => {
        const r = await javaRefused(['--target', `127.0.0.1:${provider.port}`, '--tls-ca', certs.ca.certPath]);
        // Dubbo 3 waits for a closed channel's pending calls until their timeout (DefaultFuture.closeChannel).
        assert.match(r.chain, /Invoke remote method timeout/);
      });

      it('a Java consumer over TLS without a client certificate (a CertProvider with roots only) is refused: alert certificate_required', async () => {
        const r = await javaRefused(['--target', `127.0.0.1:${provider.port}`, '--tls-ca', certs.ca.certPath, '--tls-no-client-cert']);
        assert.match(r.log, /SSLHandshakeException: Received fatal alert: certificate_required/);
      });

      it('a Java consumer with a certificate of an untrusted CA is refused: the JDK offers no certificate the server\'s CA list names', async () => {
        const r = await javaRefused(['--target', `127.0.0.1:${provider.port}`, ...tlsArgs(certs.untrusted)]);
        assert.match(r.log, /SSLHandshakeException: Received fatal alert: certificate_required/);
      });

      it('a Java consumer that trusts another CA refuses the Meshlet provider\'s certificate', async () => {
        const r = await javaRefused(['--target', `127.0.0.1:${provider.port}`, ...tlsArgs(certs.client, certs.ca2)]);
        assert.match(r.log, /PKIX path building failed/);
      });
    });

    it('the provider still serves a good Java caller after those refusals', async () => {
      const before = provider.callers.length;
      assertAllPassed(await javaConsumer(['--target', `127.0.0.1:${provider.port}`, ...tlsArgs(certs.client), '--suite', 'probe']), 4);
      assert.ok(provider.callers.length > before);
    });
  });

  it('a permissive Meshlet port serves a Java mTLS consumer and a plaintext one (roots only) side by side, telling them apart', async () => {
    const provider = await meshletProvider({ ...mtlsServer, mode: 'permissive' });
    const target = ['--target', `127.0.0.1:${provider.port}`, '--suite', 'probe'];
    const [secure, plain] = await Promise.all([javaConsumer([...target, ...tlsArgs(certs.client)]), javaConsumer([...target, '--tls-ca', certs.ca.certPath])]);
    assertAllPassed(secure, 4);
    assertAllPassed(plain, 4);
    const ids = provider.callers.map((id) => id?.spiffeId ?? 'plaintext');
    assert.deepEqual([...new Set(ids)].sort(), ['plaintext', SPIFFE_CLIENT]);
  });

  describe('Meshlet consumer → Java provider', () => {
    let provider;
    before(async () => {
      provider = await javaProvider(tlsArgs(certs.server));
    });

    it('mTLS by URL: the kit and the fleet cases pass', async () => {
      assertAllPassed(await meshletKit(['--target', `127.0.0.1:${provider.port}`]), KIT);
    });

    it('refusals are typed and immediate: an untrusted or expired client certificate, none, a plaintext caller, an unexpected server identity', async () => {
      const url = `127.0.0.1:${provider.port}`;
      const call = (tls) => meshletConsumer(tls).refer(EchoService, { url, timeout: 5000, cluster: 'failfast' }).echo('x');
      // TLS 1.3: the client's handshake completes, then Java's alert closes the connection, and its
      // reason is in the error: 46 certificate_unknown for a chain Java does not trust, 42
      // bad_certificate for none at all (Node's own servers send 116 certificate_required).
      await refused(call(mtlsClient(certs.untrusted)), [Code.ConnectionClosed], /alert certificate unknown/);
      await refused(call(mtlsClient(certs.expired)), [Code.ConnectionClosed], /alert certificate unknown/);
      await refused(call({ ca: certs.ca.cert, identities: [SPIFFE_SERVER] }), [Code.ConnectionClosed], /alert bad certificate/);
      // Dubbo's SslConfig port is TLS only: plaintext is closed after 5 bytes, no answer.
      await refused(meshletConsumer(undefined).refer(EchoService, { url, timeout: 5000, cluster: 'failfast' }).echo('x'), [Code.ConnectionClosed], /closed$/);
      await refused(call(mtlsClient(certs.client, { identities: ['spiffe://meshlet.test/ns/x/sa/other'] })), [Code.Unavailable],
        /server identity .* is none of the expected/);
      // The provider still serves a good caller.
      assert.equal(await meshletConsumer(mtlsClient()).refer(EchoService, { url, timeout: 5000 }).echo('still'), 'still');
    });
  });

  it('Meshlet refuses a Java provider presenting an expired certificate, or one of another name', async () => {
    for (const [leaf, message] of [[certs.expired, /certificate has expired/], [certs.wrongSan, /server identity \[wrong\.example\] is none of the expected/]]) {
      const provider = await javaProvider(tlsArgs(leaf));
      try {
        const mesh = meshletConsumer(mtlsClient());
        await refused(mesh.refer(EchoService, { url: `127.0.0.1:${provider.port}`, timeout: 5000, cluster: 'failfast' }).echo('x'), [Code.Unavailable], message);
        await mesh.stop(0);
      } finally {
        provider.kill();
      }
    }
  });

  describe('through ZooKeeper', () => {
    let zk;
    let raw;
    let registry;
    before(async () => {
      zk = await ZooKeeperServer.start({ tickTime: 200 });
      raw = await RawZooKeeper.connect(zk.connectString);
      registry = `zookeeper://127.0.0.1:${zk.port}`;
    });
    after(async () => {
      raw?.close();
      await zk?.close();
    });

    it('a Java TLS provider with sslEnabled writes ssl-enabled=true; a Meshlet consumer finds it and dials mTLS because of it, even in permissive mode', async () => {
      const provider = await javaProvider([...tlsArgs(certs.server), '--tls-advertise', '--registry', registry, ...QUICK_STOP]);
      try {
        const names = await waitForChildren(raw, `/dubbo/${ECHO}/providers`, 2);
        for (const name of names) assert.equal(paramsOf(name)['ssl-enabled'], 'true', decodeURIComponent(name));
        // The kit ran by URL above; here what the registry adds: the address, its group and version, TLS.
        const mesh = meshletConsumer(mtlsClient(certs.client, { mode: 'permissive' }), registry);
        assert.equal(await mesh.refer(EchoService, { timeout: 5000 }).echo('found'), 'found');
        assert.equal(await mesh.refer(G2Echo, { timeout: 5000 }).echo('found'), 'g2:found');
        assert.equal(await mesh.refer(FleetService, { timeout: 5000 }).describeLong(9007199254740993n), 'long:9007199254740993');
        await mesh.stop(0);
      } finally {
        assert.equal(await provider.stop(), 0);
      }
    });

    it('a Meshlet mTLS provider writes ssl-enabled=true; a Java mTLS consumer finds it through ZooKeeper and passes the kit', async () => {
      const provider = await meshletProvider(mtlsServer, registry);
      try {
        const names = await waitForChildren(raw, `/dubbo/${ECHO}/providers`, 1);
        const ours = names.map(paramsOf).filter((p) => p.application === 'meshlet-dubbo3-tls');
        assert.ok(ours.length > 0, names.map((n) => decodeURIComponent(n)).join('\n'));
        for (const params of ours) assert.equal(params['ssl-enabled'], 'true');
        assertAllPassed(await javaConsumer(['--registry', registry, ...tlsArgs(certs.client)]), KIT);
        assert.ok(provider.callers.length > 0 && provider.callers.every((id) => id?.spiffeId === SPIFFE_CLIENT));
      } finally {
        await provider.mesh.stop();
      }
    });

    it('a Java TLS provider without sslEnabled writes no TLS parameter: Meshlet reaches it by default and in strict mode; in permissive mode it dials plaintext and is refused', async () => {
      const provider = await javaProvider([...tlsArgs(certs.server), '--registry', registry, ...QUICK_STOP]);
      try {
        const names = await waitForChildren(raw, `/dubbo/${ECHO}/providers`, 2);
        for (const name of names) {
          const params = paramsOf(name);
          assert.equal(params['ssl-enabled'], undefined, decodeURIComponent(name));
          assert.deepEqual(Object.keys(params).filter((k) => /ssl|tls|secur/i.test(k)), []);
        }
        // Unset mode: TLS to every endpoint that does not say ssl-enabled=false, as Dubbo's consumer dials.
        const fleetLike = meshletConsumer(mtlsClient(), registry);
        assert.equal(await fleetLike.refer(EchoService, { timeout: 5000 }).echo('default'), 'default');
        const strict = meshletConsumer(mtlsClient(certs.client, { mode: 'strict' }), registry);
        assert.equal(await strict.refer(EchoService, { timeout: 5000 }).echo('strict'), 'strict');
        // `permissive`: TLS only to endpoints that advertise it, plaintext to this one, which Dubbo closes.
        const hinted = meshletConsumer(mtlsClient(certs.client, { mode: 'permissive' }), registry);
        await refused(hinted.refer(EchoService, { timeout: 5000, cluster: 'failfast' }).echo('plain'), [Code.ConnectionClosed], /closed$/);
        await Promise.all([fleetLike.stop(0), strict.stop(0), hinted.stop(0)]);
      } finally {
        assert.equal(await provider.stop(), 0);
      }
    });
  });
});
