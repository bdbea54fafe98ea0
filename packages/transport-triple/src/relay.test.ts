import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { Code, defineService, endpoint, RpcError, t } from '@meshlet/core';
import { TripleRelayCall, TripleRelayClient, TripleRelayServer, tripleRoute } from './relay.js';
import { consumer, provider } from './testing.fixture.js';

test('tripleRoute reads :path as a provider does (up to the last slash, nothing decoded) and never throws', () => {
  assert.deepEqual(tripleRoute({ ':path': '/a.B/echo', 'tri-service-version': '1.0', 'tri-service-group': 'g' }), {
    service: { interface: 'a.B', version: '1.0', group: 'g' }, method: 'echo',
  });
  for (const bad of [undefined, '', '/', '//m', '/svc/', 'svc/m', '/%E0%A4%A/x%']) {
    const r = tripleRoute({ ':path': bad });
    if (bad === '/%E0%A4%A/x%') assert.deepEqual(r, { service: { interface: '%E0%A4%A', version: undefined, group: undefined }, method: 'x%' });
    else assert.ok(r instanceof RpcError && r.code === Code.MethodNotFound, String(bad));
  }
  fc.assert(fc.property(fc.string(), fc.option(fc.string()), (path, version) => {
    const r = tripleRoute({ ':path': path, ...(version === null ? {} : { 'tri-service-version': version }) });
    if (r instanceof RpcError) return r.code === Code.MethodNotFound;
    return `/${r.service.interface}/${r.method}` === path && !r.method.includes('/');
  }), { numRuns: 2000 });
});

// A relay in this process between a Meshlet consumer and a Meshlet provider: the router sends
// every stream to the provider through one TripleRelayClient.
const Echo = defineService({ interface: 'relay.Echo', methods: { echo: { params: [t.string], returns: t.string } } });
const open: { stop(ms?: number): Promise<void> }[] = [];
after(async () => {
  for (const o of open) await o.stop(0);
});

async function relayTo(port: number, route?: (call: TripleRelayCall) => Promise<unknown>) {
  const client = new TripleRelayClient(endpoint('tri', '127.0.0.1', port));
  const relay = new TripleRelayServer(route ?? ((call) => client.invoke({ relay: call.asRelay(), attachments: {} } as never)), { defaultTimeout: 3000 });
  const server = net.createServer((socket) => {
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      relay.accept(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  open.push({ stop: async () => {
    relay.destroy();
    await client.close();
    await new Promise<void>((r) => server.close(() => r()));
  } });
  return (server.address() as net.AddressInfo).port;
}

test('a call relayed unchanged; a stream without a route and a failing router get a trailers-only status, the relay serves on', async () => {
  const p = await provider([[Echo, { echo: async (s: string) => `p:${s}` }]]);
  open.push(p.mesh);
  const port = await relayTo(p.port);
  const c = consumer();
  open.push(c);
  assert.equal(await c.refer(Echo, { url: `tri://127.0.0.1:${port}` }).echo('x'), 'p:x');

  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const status = (path: string) => new Promise<{ status: string; message: string }>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc' });
      req.on('response', (h) => resolve({ status: String(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'])) }));
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual((await status('/nomethod')).status, '12');
    assert.equal(await c.refer(Echo, { url: `tri://127.0.0.1:${port}` }).echo('still'), 'p:still');
  } finally {
    session.close();
  }

  const failing = await relayTo(p.port, () => Promise.reject(new RpcError(Code.Unavailable, 'no provider of relay.Echo')));
  await assert.rejects(c.refer(Echo, { url: `tri://127.0.0.1:${failing}` }).echo('y'),
    (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable && /meshlet agent: no provider of relay\.Echo/.test(e.message));
});

test('an upstream that cannot be reached: UNAVAILABLE before anything of the caller was read (so a cluster may try another)', async () => {
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  let sent: boolean | undefined;
  const client = new TripleRelayClient(endpoint('tri', '127.0.0.1', deadPort), { connectTimeout: 1000 });
  const port = await relayTo(deadPort, (call) => client.invoke({ relay: call.asRelay(), attachments: {} } as never).finally(() => (sent = call.sent)));
  const c = consumer();
  open.push(c);
  await assert.rejects(c.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 3000 }).echo('z'), (e: unknown) => e instanceof RpcError && e.code === Code.Unavailable);
  assert.equal(sent, false);
  await client.close();
});
