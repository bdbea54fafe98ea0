// `connections` (issue 15): N connections per provider address from one consumer, each its own
// channel, calls on the least busy. Real providers over loopback, Dubbo and Bolt.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRuntime, currentCall, defineService, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';

const Conns = defineService({
  interface: 'com.meshlet.test.Connections', version: '1.0',
  methods: {
    /** The caller's address as the provider sees it: one per connection. */
    peer: { params: [], returns: t.string },
    /** Held by the provider until the test releases it; answers the argument's length. */
    hold: { params: [t.string], returns: t.string },
  },
});

async function provider(protocol) {
  const held = [];
  const mesh = createRuntime({ protocols: [protocol()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Conns, {
    peer: () => currentCall().peer,
    hold: (s) => {
      const peer = currentCall().peer;
      return new Promise((resolve) => held.push({ peer, release: () => resolve(String(s.length)) }));
    },
  });
  await mesh.start();
  return { mesh, held, url: `127.0.0.1:${mesh.address().port}` };
}

/** Resolves once `check()` holds (polled), failing after `ms`. */
async function until(check, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const [name, protocol] of [['dubbo', dubbo], ['bolt', bolt]]) {
  describe(`${name}: connections per address`, () => {
    test('the provider sees N connections from one consumer, and calls use all of them', async () => {
      const p = await provider(protocol);
      const consumer = createRuntime({ protocols: [protocol()], connections: 4 });
      try {
        const client = consumer.refer(Conns, { url: p.url, timeout: 10_000 });
        // Calls in flight together spread over the connections (least pending).
        const peers = await Promise.all(Array.from({ length: 12 }, () => client.peer()));
        assert.equal(new Set(peers).size, 4, `four connections, each used: ${[...new Set(peers)]}`);
        // One caller at a time stays on one connection (ties go to the first): it stays warm.
        const alone = new Set();
        for (let i = 0; i < 6; i++) alone.add(await client.peer());
        assert.equal(alone.size, 1);
        const single = createRuntime({ protocols: [protocol()] });
        const one = single.refer(Conns, { url: p.url });
        const seen = new Set();
        for (let i = 0; i < 6; i++) seen.add(await one.peer());
        assert.equal(seen.size, 1, 'the default is one connection');
        await single.stop(0);
      } finally {
        await consumer.stop(0);
        await p.mesh.stop(0);
      }
    });

    test('a large call in flight on one connection does not hold up small calls: they go on the others', async (t) => {
      const p = await provider(protocol);
      const consumer = createRuntime({ protocols: [protocol()] });
      try {
        const client = consumer.refer(Conns, { url: p.url, timeout: 30_000, connections: 2 });
        await client.peer(); // both connections up
        await client.peer();
        // Small calls start while the large one is still being written, and go on while it is held.
        const big = client.hold('x'.repeat(6 * 1024 * 1024));
        const started = performance.now();
        const peers = new Set();
        for (let i = 0; i < 50; i++) peers.add(await client.peer());
        t.diagnostic(`50 small calls beside a 6 MiB call in flight: ${(performance.now() - started).toFixed(1)} ms`);
        await until(() => p.held.length === 1);
        assert.deepEqual([...peers].filter((x) => x === p.held[0].peer), [], 'none on the busy connection');
        assert.equal(peers.size, 1);
        p.held[0].release();
        assert.equal(await big, String(6 * 1024 * 1024));
      } finally {
        await consumer.stop(0);
        await p.mesh.stop(0);
      }
    });

    test('a provider stopping drains calls in flight on every one of the N connections', async () => {
      const p = await provider(protocol);
      const consumer = createRuntime({ protocols: [protocol()], connections: 3 });
      try {
        const client = consumer.refer(Conns, { url: p.url, timeout: 30_000 });
        const calls = [client.hold('a'), client.hold('bb'), client.hold('ccc')];
        await until(() => p.held.length === 3);
        assert.equal(new Set(p.held.map((h) => h.peer)).size, 3, 'one call on each connection');
        const stopping = p.mesh.stop(20_000);
        for (const h of p.held) h.release();
        assert.deepEqual(await Promise.all(calls), ['1', '2', '3']);
        await stopping;
      } finally {
        await consumer.stop(0);
        await p.mesh.stop(0);
      }
    });
  });
}
