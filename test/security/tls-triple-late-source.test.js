// Triple's client and a TLS source that loads late (files not read yet, SDS not answered): a call
// made before the certificates are there waits for them, as the engine's channels do, instead of
// failing UNAVAILABLE at once (which, retried in a loop, kept the source from ever loading: the
// mid-run kill suite hung on it); a source that never loads fails the call TIMEOUT at its deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { triple } from '@meshlet/transport-triple';
import { manualSource } from './manual-source.js';
import { makeCerts, SPIFFE_SERVER } from './certs.js';

const certs = await makeCerts();
const Echo = defineService({ interface: 'com.meshlet.test.TriLateTls', methods: { echo: { params: [t.string], returns: t.string } } });
const pair = (leaf) => ({ cert: leaf.cert, key: leaf.key, ca: certs.ca.cert });

async function provider() {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server), requestCert: true, rejectUnauthorized: true } } });
  mesh.provide(Echo, { echo: async (s) => s });
  await mesh.start();
  return { mesh, url: `tri://127.0.0.1:${mesh.address('tri').port}` };
}

test('tri: 128 calls made before the client\'s TLS source loads wait for it and are answered', async () => {
  const p = await provider();
  const source = manualSource();
  const consumer = createRuntime({ protocols: [triple()], client: { tls: { source, identities: [SPIFFE_SERVER] } } });
  try {
    const echo = consumer.refer(Echo, { url: p.url, timeout: 5000, cluster: 'failfast' });
    const calls = Array.from({ length: 128 }, (_, i) => echo.echo(`c${i}`));
    let settled = 0;
    for (const c of calls) c.then(() => settled++, () => settled++);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(settled, 0, 'no call settles before the certificates are there');
    source.set(pair(certs.client));
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 128 }, (_, i) => `c${i}`));
  } finally {
    await consumer.stop(0);
    await p.mesh.stop(0);
  }
});

test('tri: a source that never loads fails the call TIMEOUT at its deadline', async () => {
  const p = await provider();
  const consumer = createRuntime({ protocols: [triple()], client: { tls: { source: manualSource(), identities: [SPIFFE_SERVER] } } });
  try {
    const started = Date.now();
    await assert.rejects(consumer.refer(Echo, { url: p.url, timeout: 800, cluster: 'failfast' }).echo('x'), (err) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.code, Code.Timeout, err.message);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 750 && took < 3000, `failed after ${took} ms`);
  } finally {
    await consumer.stop(0);
    await p.mesh.stop(0);
  }
});
