// A provider that goes silent (a partition: no FIN, no RST) is found by its calls' timeouts and a
// KEEPALIVE probe, not after the 90 s KEEPALIVE lifetime; one that answers the probe keeps its
// connection. The partition is a loopback proxy that swallows every byte of the connections it
// holds when `hole()` is called (as a stateful firewall that lost the flow); new ones pass.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { Code, RpcError, defineService, t } from '@meshlet/core';
import { consumer, provider, sleep, until } from './testing.fixture.js';

const Probe = defineService({
  interface: 'com.meshlet.test.Probe',
  methods: {
    echo: { params: [t.string], returns: t.string },
    hang: { params: [], returns: t.string },
  },
});

const impl = { echo: (s: string) => s.toUpperCase(), hang: () => new Promise<string>(() => {}) };

async function holingProxy(upstream: number) {
  const live = new Set<{ holed: boolean; sockets: net.Socket[] }>();
  let connections = 0;
  const server = net.createServer((down) => {
    connections++;
    const up = net.connect(upstream, '127.0.0.1');
    const flow = { holed: false, sockets: [down, up] };
    live.add(flow);
    down.on('data', (d) => { if (!flow.holed) up.write(d); });
    up.on('data', (d) => { if (!flow.holed) down.write(d); });
    for (const s of flow.sockets) {
      s.on('error', () => {});
      s.on('close', () => { for (const o of flow.sockets) o.destroy(); live.delete(flow); });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    hole: () => { for (const f of live) f.holed = true; },
    close: () => { server.close(); for (const f of live) for (const s of f.sockets) s.destroy(); },
  };
}

test('a silent provider: a timed-out call sends a KEEPALIVE probe, silence closes the connection (pending calls fail now), a new one is made without a call', async () => {
  const p = await provider([[Probe, impl]]);
  const proxy = await holingProxy(p.port);
  const c = consumer({ client: { probeTimeout: 300 } });
  try {
    const ref = c.refer(Probe, { url: proxy.url, cluster: 'failfast' });
    const short = c.refer(Probe, { url: proxy.url, cluster: 'failfast', timeout: 200 });
    const long = c.refer(Probe, { url: proxy.url, cluster: 'failfast', timeout: 20_000 });
    assert.equal(await ref.echo('a'), 'A');
    proxy.hole();
    const started = Date.now();
    const pending = long.echo('b');
    await assert.rejects(short.echo('c'), (e: unknown) => RpcError.is(e, Code.Timeout));
    await assert.rejects(pending, (e: unknown) => RpcError.is(e, Code.ConnectionClosed) && /presumed dead/.test((e as Error).message));
    assert.ok(Date.now() - started < 10_000, `closed after ${Date.now() - started} ms, not at the 20 s deadline`);
    // Reconnected in the background (no call asked): the fresh connection passes the proxy.
    await until(() => proxy.connections() === 2, 10_000);
    assert.equal(await ref.echo('d'), 'D');
  } finally {
    await c.stop(0);
    proxy.close();
    await p.mesh.stop(0);
  }
});

test('a provider that answers the KEEPALIVE probe keeps its connection though a call timed out', async () => {
  const p = await provider([[Probe, impl]]);
  const proxy = await holingProxy(p.port);
  const c = consumer({ client: { probeTimeout: 1000 } });
  try {
    const ref = c.refer(Probe, { url: proxy.url, cluster: 'failfast', timeout: 200 });
    assert.equal(await ref.echo('a'), 'A');
    await assert.rejects(ref.hang(), (e: unknown) => RpcError.is(e, Code.Timeout));
    await sleep(2500); // past the probe timeout: the reply (loopback) came long before
    assert.equal(await ref.echo('b'), 'B');
    assert.equal(proxy.connections(), 1);
    assert.equal(c.introspect().references[0]!.endpoints[0]!.health, 'up');
  } finally {
    await c.stop(0);
    proxy.close();
    await p.mesh.stop(0);
  }
});
