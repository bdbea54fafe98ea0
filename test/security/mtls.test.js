// mTLS through every framed protocol (Dubbo, Bolt, Motan2; RSocket is rsocket-tls.test.js) with
// a Meshlet provider and consumer and openssl-made certificates: the call passes and the provider
// sees the caller's identity; each refusal (plaintext caller, untrusted CA, expired, wrong server
// identity, no client certificate) fails the call at once with a typed error, never a hang; a
// permissive port serves both kinds of caller; a provider advertises `ssl-enabled=true` in every
// registry layout and a consumer found through the registry (the local one, a real ZooKeeper)
// dials TLS because of it, plaintext to a provider that does not; 128 calls in flight and a
// 4 MiB payload over mTLS.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeshlet } from 'meshlet-rpc';
import { Code, currentCall, defineService, endpoint, RpcError, t, tlsHint } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { dubboLayout, sofaLayout, motanLayout } from '@meshlet/registry';
import { ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';

const certs = await makeCerts();
const PROTOCOLS = ['dubbo', 'bolt', 'motan2'];
const Echo = defineService({
  interface: 'com.meshlet.test.MtlsEcho',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    size: { params: [t.bytes], returns: t.int32 },
    who: { params: [], returns: t.string },
  },
});
const impl = {
  echo: async (s) => s,
  size: async (b) => b.length,
  who: async () => currentCall()?.identity?.spiffeId ?? 'plaintext',
};

const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const mtlsServer = (extra = {}) => ({ ...pair(certs.server), requestCert: true, rejectUnauthorized: true, ...extra });
const mtlsClient = (leaf = certs.client, extra = {}) => ({ ...pair(leaf), identities: [SPIFFE_SERVER], ...extra });

async function provider(protocol, tls, extra = {}) {
  const mesh = createMeshlet({ protocols: [protocol], registry: false, server: { host: '127.0.0.1', port: 0, tls }, ...extra }, {});
  mesh.provide(Echo, impl);
  await mesh.start();
  return { mesh, port: mesh.address(protocol).port };
}

function consumer(protocol, tls, refer) {
  const mesh = createMeshlet({ protocols: [protocol], registry: false, client: { tls, connectTimeout: 2000 } }, {});
  return { mesh, echo: mesh.refer(Echo, { timeout: 5000, cluster: 'failfast', ...refer }) };
}

/** A call refused by TLS: the given code and message, well before the call's 5 s timeout. */
async function refused(call, code, message) {
  const started = Date.now();
  await assert.rejects(call, (err) => {
    assert.ok(err instanceof RpcError, `an RpcError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
  assert.ok(Date.now() - started < 2000, `refused in ${Date.now() - started} ms`);
}

for (const protocol of PROTOCOLS) {
  test(`${protocol}: mTLS call with the caller's identity; 128 in flight; 4 MiB`, async () => {
    const p = await provider(protocol, mtlsServer());
    const c = consumer(protocol, mtlsClient(), { url: `127.0.0.1:${p.port}` });
    try {
      assert.equal(await c.echo.who(), SPIFFE_CLIENT);
      const answers = await Promise.all(Array.from({ length: 128 }, (_, i) => c.echo.echo(`call-${i}`)));
      assert.deepEqual(answers, Array.from({ length: 128 }, (_, i) => `call-${i}`));
      const big = Buffer.alloc(4 * 1024 * 1024, 7);
      assert.equal(await c.echo.size(big), big.length);
    } finally {
      await c.mesh.stop();
      await p.mesh.stop();
    }
  });

  test(`${protocol}: refusals are typed and immediate`, async () => {
    const p = await provider(protocol, mtlsServer());
    const url = { url: `127.0.0.1:${p.port}` };
    const cases = [
      // A strict port takes a handshake only: protocol bytes close the connection unread.
      ['plaintext client', undefined, Code.ConnectionClosed, /closed/],
      // The server refuses the certificate after the client's side of the TLS 1.3 handshake is done.
      ['client cert of an untrusted CA', mtlsClient(certs.untrusted), Code.ConnectionClosed, /closed/],
      ['expired client cert', mtlsClient(certs.expired), Code.ConnectionClosed, /closed/],
      ['server identity not expected', mtlsClient(certs.client, { identities: ['spiffe://meshlet.test/ns/x/sa/other'] }),
        Code.Unavailable, /server identity \[spiffe:\/\/meshlet\.test\/ns\/default\/sa\/server, localhost\] is none of the expected/],
      ['no client certificate', { ca: certs.ca.cert, identities: [SPIFFE_SERVER] }, Code.ConnectionClosed, /certificate required/],
    ];
    try {
      for (const [name, tls, code, message] of cases) {
        const c = consumer(protocol, tls, url);
        try {
          await refused(c.echo.echo(name), code, message);
        } finally {
          await c.mesh.stop();
        }
      }
      // A server whose certificate names another identity, checked by the client's `identities`.
      const wrong = await provider(protocol, { ...pair(certs.wrongSan), requestCert: true, rejectUnauthorized: true });
      const c = consumer(protocol, mtlsClient(), { url: `127.0.0.1:${wrong.port}` });
      try {
        await refused(c.echo.echo('wrong san'), Code.Unavailable, /server identity \[wrong\.example\] is none of the expected/);
      } finally {
        await c.mesh.stop();
        await wrong.mesh.stop();
      }
      // The provider still serves a good caller after all of that.
      const good = consumer(protocol, mtlsClient(), url);
      assert.equal(await good.echo.who(), SPIFFE_CLIENT);
      await good.mesh.stop();
    } finally {
      await p.mesh.stop();
    }
  });

  test(`${protocol}: a permissive port serves mTLS and plaintext callers together`, async () => {
    const p = await provider(protocol, mtlsServer({ mode: 'permissive' }));
    const secure = consumer(protocol, mtlsClient(), { url: `127.0.0.1:${p.port}` });
    const plain = consumer(protocol, undefined, { url: `127.0.0.1:${p.port}` });
    try {
      const [a, b] = await Promise.all([
        Promise.all(Array.from({ length: 64 }, () => secure.echo.who())),
        Promise.all(Array.from({ length: 64 }, () => plain.echo.who())),
      ]);
      assert.deepEqual(new Set(a), new Set([SPIFFE_CLIENT]));
      assert.deepEqual(new Set(b), new Set(['plaintext']));
    } finally {
      await secure.mesh.stop();
      await plain.mesh.stop();
      await p.mesh.stop();
    }
  });
}

/** The registration a TLS provider publishes (runtime/meshlet.ts adds `ssl-enabled=true`). */
const tlsRegistration = (protocol) => ({
  service: { interface: Echo.interface, version: '1.0' },
  endpoint: endpoint(protocol, '10.0.0.7', 20880, { application: 'tls-app', 'ssl-enabled': 'true' }),
  methods: ['echo', 'size', 'who'],
  application: 'tls-app',
});

test('ssl-enabled=true in every layout: the protocols\' URLs and the ZooKeeper layouts, read back', () => {
  for (const make of [dubbo, bolt, motan2]) {
    const p = make();
    const url = p.toUrl(tlsRegistration(p.name));
    assert.match(url, /[?&]ssl-enabled=true(&|$)/, url);
    assert.equal(tlsHint(p.fromUrl(url).endpoint.params), true, url);
  }
  const layouts = [[dubboLayout(), 'dubbo'], [sofaLayout(), 'bolt'], [motanLayout(), 'motan2']];
  for (const [layout, protocol] of layouts) {
    const reg = tlsRegistration(protocol);
    const node = layout.providerNode(reg);
    const dir = layout.providersPath(reg.service);
    const name = node.path.slice(dir.length + 1);
    const parsed = layout.parseProvider({ name, data: node.data }, dir);
    assert.ok(parsed, `${layout.name} reads its own node back`);
    assert.equal(tlsHint(parsed.endpoint.params), true, `${layout.name}: ${decodeURIComponent(name)} ${node.data ?? ''}`);
  }
  // A provider without TLS writes no such parameter (Java Dubbo writes none either).
  const plainUrl = dubbo().toUrl({ ...tlsRegistration('dubbo'), endpoint: endpoint('dubbo', '10.0.0.7', 20880) });
  assert.doesNotMatch(plainUrl, /ssl-enabled/);
});

/** The registries a provider and its consumers meet in: the embedded local one, and a real ZooKeeper. */
let zk;
after(() => zk?.close());
const REGISTRIES = {
  local: () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-mtls-registry-'));
    return { url: `local://${dir}`, dir, done: () => rmSync(dir, { recursive: true, force: true }) };
  },
  zookeeper: async () => {
    zk ??= await ZooKeeperServer.start({ tickTime: 200 });
    return { url: `${zk.url}?session=4000`, done: () => {} };
  },
};

for (const [registryName, makeRegistry] of Object.entries(REGISTRIES)) for (const protocol of PROTOCOLS) {
  test(`${protocol} via ${registryName}: by default a TLS consumer dials TLS to every provider; permissive where ssl-enabled says so`, async () => {
    const where = await makeRegistry();
    const registry = where.url;
    const Plain = defineService({ interface: 'com.meshlet.test.MtlsPlain', version: '1.0', methods: { who: { params: [], returns: t.string } } });
    const secure = await provider(protocol, mtlsServer(), { registry });
    const plainMesh = createMeshlet({ protocols: [protocol], registry, server: { host: '127.0.0.1', port: 0 } }, {});
    plainMesh.provide(Plain, { who: impl.who });
    await plainMesh.start();
    // Permissive (Istio's auto mTLS): TLS where the registry says ssl-enabled=true, plaintext elsewhere.
    const auto = createMeshlet({ protocols: [protocol], registry, client: { tls: mtlsClient(certs.client, { mode: 'permissive' }), connectTimeout: 2000 } }, {});
    // By default (as a Java Dubbo 3 consumer with an SslConfig): TLS to every endpoint that does
    // not say ssl-enabled=false, so the plaintext provider (which says nothing) is refused.
    const strict = createMeshlet({ protocols: [protocol], registry, client: { tls: mtlsClient(), connectTimeout: 2000 } }, {});
    try {
      if (where.dir) {
        const written = readdirSync(where.dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(where.dir, f), 'utf8')));
        assert.equal(written.find((e) => e.service.interface === Echo.interface).endpoint.params['ssl-enabled'], 'true');
        assert.equal(written.find((e) => e.service.interface === Plain.interface).endpoint.params['ssl-enabled'], undefined);
      }

      const refer = { timeout: 5000, cluster: 'failfast' };
      assert.equal(await auto.refer(Echo, refer).who(), SPIFFE_CLIENT, 'TLS because the registry said so');
      assert.equal(await auto.refer(Plain, refer).who(), 'plaintext', 'plaintext to a provider without TLS');
      assert.equal(await strict.refer(Echo, refer).who(), SPIFFE_CLIENT);
      await refused(strict.refer(Plain, refer).who(), Code.Unavailable, /cannot connect|closed|ECONNRESET|wrong version|packet length/i);
    } finally {
      await auto.stop();
      await strict.stop();
      await plainMesh.stop();
      await secure.mesh.stop();
      where.done();
    }
  });
}

test('a direct url: TLS by default when the client has TLS options, `tls=false` opts out, `mode: strict` overrides it', async () => {
  const secure = await provider('dubbo', mtlsServer({ mode: 'permissive' }));
  const url = `127.0.0.1:${secure.port}`;
  const c = createMeshlet({ protocols: ['dubbo'], registry: false, client: { tls: mtlsClient() } }, {});
  const s = createMeshlet({ protocols: ['dubbo'], registry: false, client: { tls: mtlsClient(certs.client, { mode: 'strict' }) } }, {});
  try {
    const refer = (mesh, u) => mesh.refer(Echo, { url: u, timeout: 5000, cluster: 'failfast' });
    assert.equal(await refer(c, url).who(), SPIFFE_CLIENT);
    assert.equal(await refer(c, `dubbo://${url}?ssl-enabled=true`).who(), SPIFFE_CLIENT);
    // One consumer, one address, both kinds of connection: pool entries never mix them.
    assert.equal(await refer(c, `dubbo://${url}?tls=false`).who(), 'plaintext');
    assert.equal(await refer(c, url).who(), SPIFFE_CLIENT);
    assert.equal(await refer(s, `dubbo://${url}?tls=false`).who(), SPIFFE_CLIENT);
  } finally {
    await c.stop();
    await s.stop();
    await secure.mesh.stop();
  }
});
