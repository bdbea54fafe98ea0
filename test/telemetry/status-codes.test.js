// One set of codes on both ends: the CLIENT span, the SERVER span and the metrics of the same call
// carry the same `rpc.status_code`, for each protocol Meshlet serves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { createRuntime, defineService, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { installOtel } from './otel-harness.js';

const methods = {
  fail: { params: [t.string], returns: t.string },
  slow: { params: [t.int32], returns: t.string },
  small: { params: [t.int32], returns: t.int32 },
};
const Codes = defineService({ interface: 'com.meshlet.test.Codes', version: '1.0', methods });
// What a consumer with a stale or wrong contract refers to.
const Missing = defineService({ interface: 'com.meshlet.test.NoSuchService', version: '1.0', methods: { fail: methods.fail } });
const Newer = defineService({ interface: 'com.meshlet.test.Codes', version: '1.0', methods: { ...methods, added: { params: [t.string], returns: t.string } } });

const impl = {
  // A plain Error from the method: a business exception for the caller.
  fail: (m) => { throw Object.assign(new Error(m), { javaClass: 'java.lang.IllegalStateException' }); },
  slow: (ms) => new Promise((resolve) => setTimeout(() => resolve('late'), ms)),
  small: (n) => n,
};

let otel;
before(() => { otel = installOtel(); });
after(() => otel.shutdown());

const protocols = { dubbo, bolt, motan2, rsocket };

for (const [name, make] of Object.entries(protocols)) {
  test(`${name}: client and server spans of a call carry the same rpc.status_code`, async () => {
    const server = createRuntime({ protocols: [make()], server: { host: '127.0.0.1', port: 0 } });
    server.provide(Codes, impl);
    await server.start();
    const client = createRuntime({ protocols: [make()] });
    const url = `127.0.0.1:${server.address().port}`;
    const opts = { url, protocol: name, cluster: 'failfast' };
    try {
      const codes = client.refer(Codes, opts);
      const cases = [
        ['BUSINESS', 'com.meshlet.test.Codes/fail', () => codes.fail('boom')],
        ['SERVICE_NOT_FOUND', 'com.meshlet.test.NoSuchService/fail', () => client.refer(Missing, opts).fail('x')],
        ['METHOD_NOT_FOUND', 'com.meshlet.test.Codes/added', () => client.refer(Newer, opts).added('x')],
        ['TIMEOUT', 'com.meshlet.test.Codes/slow', () => client.refer(Codes, { ...opts, timeout: 60 }).slow(400)],
      ];
      for (const [code, rpcMethod, call] of cases) {
        otel.spans.reset();
        await assert.rejects(call(), (e) => e.code === code, `${rpcMethod}: the caller sees ${code}`);
        // The server span of a timed-out call ends when the method does.
        const spans = await waitFor(() => {
          const s = otel.spans.getFinishedSpans().filter((x) => x.attributes['rpc.method'] === rpcMethod);
          return s.some((x) => x.kind === SpanKind.SERVER) && s.some((x) => x.kind === SpanKind.CLIENT) ? s : undefined;
        }, `${rpcMethod}: a CLIENT and a SERVER span`);
        const clientSpan = spans.filter((s) => s.kind === SpanKind.CLIENT);
        const serverSpan = spans.filter((s) => s.kind === SpanKind.SERVER);
        assert.equal(clientSpan.length, 1, `${rpcMethod}: one client span`);
        assert.equal(serverSpan.length, 1, `${rpcMethod}: one server span (a transport's second lookup is not a second call)`);
        assert.equal(clientSpan[0].attributes['rpc.status_code'], code, `${rpcMethod}: client span`);
        assert.equal(serverSpan[0].attributes['rpc.status_code'], code, `${rpcMethod}: server span`);
        if (code === 'BUSINESS') {
          assert.equal(serverSpan[0].parentSpanContext?.spanId, clientSpan[0].spanContext().spanId, 'server span is the client span\'s child');
          assert.equal(serverSpan[0].attributes['error.type'], 'java.lang.IllegalStateException');
          // Motan2 carries no exception class; the others name it on both ends.
          if (name !== 'motan2') assert.equal(clientSpan[0].attributes['error.type'], 'java.lang.IllegalStateException');
        }
      }

      // A value that does not fit its Java type never leaves the caller: no server span.
      otel.spans.reset();
      await assert.rejects(codes.small(2 ** 31), (e) => e.code === 'SERIALIZATION');
      assert.deepEqual(statusCodes('com.meshlet.test.Codes/small'), { client: ['SERIALIZATION'], server: [] });

      // Nobody listening: UNAVAILABLE, and no server span.
      otel.spans.reset();
      await assert.rejects(client.refer(Codes, { ...opts, url: '127.0.0.1:1' }).small(1), (e) => e.code === 'UNAVAILABLE');
      const unavailable = statusCodes('com.meshlet.test.Codes/small');
      assert.deepEqual(unavailable.server, []);
      assert.ok(unavailable.client.every((c) => c === 'UNAVAILABLE'), JSON.stringify(unavailable));
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}

test('metrics carry the same codes as the spans', async () => {
  const metrics = await otel.metricPoints('meshlet.calls');
  const server = new Set(metrics.filter((p) => p['meshlet.side'] === 'server').map((p) => p['rpc.status_code']));
  const client = new Set(metrics.filter((p) => p['meshlet.side'] === 'client').map((p) => p['rpc.status_code']));
  for (const code of ['BUSINESS', 'SERVICE_NOT_FOUND', 'METHOD_NOT_FOUND', 'TIMEOUT']) {
    assert.ok(server.has(code) && client.has(code), `${code} on both sides: server ${[...server]}, client ${[...client]}`);
  }
  assert.ok(!server.has('INTERNAL'), 'no INTERNAL on the server for a business exception');
});

function statusCodes(rpcMethod) {
  const spans = otel.spans.getFinishedSpans().filter((x) => x.attributes['rpc.method'] === rpcMethod);
  return {
    client: spans.filter((s) => s.kind === SpanKind.CLIENT).map((s) => s.attributes['rpc.status_code']),
    server: spans.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.attributes['rpc.status_code']),
  };
}

async function waitFor(get, what) {
  const until = Date.now() + 10_000; // a hang guard: a loaded machine can take seconds to end a span
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(otel.spans.getFinishedSpans().map((s) => [s.kind, s.attributes]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
