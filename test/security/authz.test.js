// Authorization end to end (@meshlet/security's createAuthorizer as a server interceptor), per
// protocol with a Meshlet provider and consumer: allowed calls pass, a denied method is refused
// with PERMISSION_DENIED in the protocol's own form (the wire status a Java/Go consumer reads,
// kept in err.status), policies changed at run time apply to the next call on the same
// connection; and with real mTLS identities (openssl-made certificates).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { Code, createRuntime, currentCall, defineService, RpcError, t } from '@meshlet/core';
import { createAuthorizer } from '@meshlet/security/authz';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { makeCerts, SPIFFE_CLIENT, SPIFFE_SERVER } from './certs.js';
import { installOtel } from '../telemetry/otel-harness.js';

// Telemetry on for the whole file (as in production with an SDK): refusals must show in spans and metrics.
let otel;
before(() => { otel = installOtel(); });
after(() => otel.shutdown());

const Orders = defineService({
  interface: 'com.meshlet.test.AuthzOrders', version: '1.0',
  methods: { getOrder: { params: [t.string], returns: t.string }, deleteOrder: { params: [t.string], returns: t.string } },
});

/** What each protocol puts on the wire for a refusal, as err.status shows it. */
const PROTOCOLS = [
  { name: 'dubbo', make: dubbo, status: 70 }, // SERVICE_ERROR, as Java's TokenFilter refusal
  { name: 'bolt', make: bolt, status: 2 }, // SERVER_EXCEPTION, as MOSN's RBAC refusal
  { name: 'motan2', make: motan2, status: 403 }, // M_e errcode 403, errtype SERVICE
  { name: 'rsocket', make: rsocket, status: 0x201 }, // APPLICATION_ERROR "[PERMISSION_DENIED] …"
];

const CALLER = 'cluster.local/ns/default/sa/orders-client';

/** Stands in for mTLS in the first tests: every call carries this identity. */
const fakeIdentity = (next) => (inv) =>
  next({ ...inv, identity: { spiffeId: `spiffe://${CALLER}`, subject: 'CN=orders-client', uris: [`spiffe://${CALLER}`], dnsNames: [] } });

async function provider(protocol, authorizer, { interceptors = [fakeIdentity], tls } = {}) {
  const ran = [];
  const peers = new Set();
  const mesh = createRuntime({
    protocols: [protocol.make()],
    server: { host: '127.0.0.1', port: 0, tls },
    serverInterceptors: [...interceptors, authorizer.interceptor],
  });
  mesh.provide(Orders, {
    getOrder: async (id) => { ran.push(`get ${id}`); peers.add(currentCall()?.peer); return `order ${id}`; },
    deleteOrder: async (id) => { ran.push(`delete ${id}`); peers.add(currentCall()?.peer); return `deleted ${id}`; },
  });
  await mesh.start();
  return { mesh, ran, peers, port: mesh.address(protocol.name).port };
}

function consumer(protocol, port, tls, cluster = 'failfast') {
  const mesh = createRuntime({ protocols: [protocol.make()], client: tls ? { tls } : undefined });
  return { mesh, orders: mesh.refer(Orders, { url: `127.0.0.1:${port}`, protocol: protocol.name, timeout: 3000, cluster }) };
}

const denied = (protocol, method) => (err) => {
  assert.ok(RpcError.is(err, Code.PermissionDenied), `${protocol.name}: ${err.code} ${err.message}`);
  assert.equal(err.status, protocol.status, `${protocol.name} wire status`);
  assert.match(err.message, new RegExp(`RBAC: access denied: com\\.meshlet\\.test\\.AuthzOrders\\.${method}`));
  return true;
};

for (const protocol of PROTOCOLS) {
  test(`${protocol.name}: allowed passes, a denied method is PERMISSION_DENIED unrun, a policy change applies to the next call on the same connection`, async () => {
    const authz = createAuthorizer([
      { name: 'no-deletes', action: 'DENY', rules: [{ to: [{ methods: ['delete*'] }] }] },
      { name: 'orders-client', action: 'ALLOW', rules: [{ from: [{ principals: [CALLER] }] }] },
    ]);
    const server = await provider(protocol, authz);
    const client = consumer(protocol, server.port);
    try {
      assert.equal(await client.orders.getOrder('1'), 'order 1');
      await assert.rejects(client.orders.deleteOrder('1'), denied(protocol, 'deleteOrder'));
      assert.deepEqual(server.ran, ['get 1'], 'the refused method never ran');

      // Swap the rules while connected: deletes are allowed now, reads are not.
      authz.set([{ name: 'no-gets', action: 'DENY', rules: [{ to: [{ methods: ['getOrder'] }] }] }]);
      assert.equal(await client.orders.deleteOrder('1'), 'deleted 1');
      await assert.rejects(client.orders.getOrder('2'), denied(protocol, 'getOrder'));
      // A bad set is refused and the rules in force stay.
      assert.throws(() => authz.set([{ name: 'typo', rules: [{ to: [{ method: ['x'] }] }] }]), (e) => RpcError.is(e, Code.InvalidArgument));
      await assert.rejects(client.orders.getOrder('3'), (e) => RpcError.is(e, Code.PermissionDenied));
      authz.set([]);
      assert.equal(await client.orders.getOrder('4'), 'order 4');
      assert.deepEqual(server.ran, ['get 1', 'delete 1', 'get 4']);
      assert.equal(server.peers.size, 1, 'every call on one connection: no reconnect');
    } finally {
      await client.mesh.stop(0);
      await server.mesh.stop(0);
    }
  });
}

const certs = await makeCerts();
const pair = (leaf) => ({ cert: leaf.cert, key: leaf.key, ca: certs.ca.cert });

for (const protocol of PROTOCOLS) {
  test(`${protocol.name} over mTLS: policies read the verified certificate identity; another identity and a plaintext caller are refused`, async () => {
    const authz = createAuthorizer([{ name: 'client-only', rules: [{ from: [{ principals: [SPIFFE_CLIENT.slice('spiffe://'.length)] }] }] }]);
    // Permissive: TLS and plaintext on one port, so a plaintext caller (no identity) reaches the policies.
    const server = await provider(protocol, authz, { interceptors: [], tls: { ...pair(certs.server), requestCert: true, mode: 'permissive' } });
    const good = consumer(protocol, server.port, { ...pair(certs.client), identities: [SPIFFE_SERVER] });
    const intruder = consumer(protocol, server.port, { ...pair(certs.client2), identities: [SPIFFE_SERVER] });
    const plain = consumer(protocol, server.port);
    try {
      assert.equal(await good.orders.getOrder('1'), 'order 1');
      await assert.rejects(intruder.orders.getOrder('2'), denied(protocol, 'getOrder'));
      await assert.rejects(plain.orders.getOrder('2'), denied(protocol, 'getOrder'), 'no identity matches no principal');
      // Now deny the good caller by namespace (its SPIFFE ID is …/ns/default/…) and let the intruder's namespace in.
      authz.set([
        { name: 'deny-default', action: 'DENY', rules: [{ from: [{ namespaces: ['default'] }] }] },
        { name: 'others', rules: [{ from: [{ namespaces: ['other'] }] }] },
      ]);
      await assert.rejects(good.orders.getOrder('3'), denied(protocol, 'getOrder'));
      assert.equal(await intruder.orders.getOrder('4'), 'order 4');
      await assert.rejects(plain.orders.getOrder('5'), denied(protocol, 'getOrder'), 'no namespace: not in "others"');
      assert.deepEqual(server.ran, ['get 1', 'get 4']);
    } finally {
      await plain.mesh.stop(0);
      await good.mesh.stop(0);
      await intruder.mesh.stop(0);
      await server.mesh.stop(0);
    }
  });
}

/** Polls `get` until it returns a value, for at most 5 s (spans end after the reply is written). */
async function waitFor(get, what) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

for (const protocol of PROTOCOLS) {
  test(`${protocol.name}: a refusal ends both spans with PERMISSION_DENIED and counts in meshlet.authz.denied with the deciding policy`, async () => {
    const authz = createAuthorizer([{ name: `no-deletes-${protocol.name}`, action: 'DENY', rules: [{ to: [{ methods: ['deleteOrder'] }] }] }]);
    const server = await provider(protocol, authz);
    // Failover (retries 2 by default): a refusal must not be tried again.
    const client = consumer(protocol, server.port, undefined, 'failover');
    try {
      otel.spans.reset();
      await assert.rejects(client.orders.deleteOrder('9'), (e) => RpcError.is(e, Code.PermissionDenied));
      const rpcMethod = 'com.meshlet.test.AuthzOrders/deleteOrder';
      const spans = await waitFor(() => {
        const all = otel.spans.getFinishedSpans().filter((x) => x.attributes['rpc.method'] === rpcMethod);
        return all.some((x) => x.kind === SpanKind.SERVER) && all.some((x) => x.kind === SpanKind.CLIENT) ? all : undefined;
      }, 'a CLIENT and a SERVER span');
      for (const span of spans) assert.equal(span.attributes['rpc.status_code'], 'PERMISSION_DENIED', `${SpanKind[span.kind]} span`);
      const points = await otel.metricPoints('meshlet.authz.denied');
      assert.ok(points.some((p) => p['rpc.method'] === rpcMethod && p['meshlet.authz.policy'] === `no-deletes-${protocol.name}`), JSON.stringify(points));
      // Not retried elsewhere, not the method's failure: one attempt, and the method never ran.
      assert.equal(spans.filter((x) => x.kind === SpanKind.CLIENT).length, 1);
      assert.deepEqual(server.ran, []);
    } finally {
      await client.mesh.stop(0);
      await server.mesh.stop(0);
    }
  });
}
