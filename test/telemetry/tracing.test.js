// One trace across processes and hops: CLIENT span per attempt, SERVER span per request, the
// W3C context in the protocol's carrier, SOFA tracer keys beside it, baggage carried along.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import * as net from 'node:net';
import { createInvocation, createRuntime, defineService, t } from '@meshlet/core';
import { dubbo, RequestEncoder } from '@meshlet/transport-dubbo';
import { HessianWriter } from '@meshlet/hessian';
import { installOtel } from './otel-harness.js';

const Hop = defineService({ interface: 'com.meshlet.test.Hop', methods: { call: { params: [t.int32], returns: t.string } } });
const script = fileURLToPath(new URL('./hop-provider.js', import.meta.url));

async function startHop(env = {}) {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('hop: no READY')), 15_000);
    const check = () => { const m = /READY (\d+)/.exec(out); if (m) { clearTimeout(timer); resolve(Number(m[1])); } };
    child.stdout.on('data', check);
    child.once('exit', (c) => reject(new Error(`hop exited ${c}`)));
  });
  return {
    port,
    async spans() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      return JSON.parse(out.trim().split('\n').at(-1));
    },
  };
}

let otel;
before(() => { otel = installOtel(); });
after(() => otel.shutdown());

test('one trace across Dubbo, Bolt and Motan2 hops in four processes: parents linked, baggage carried', async () => {
  const motanHop = await startHop({ HOP_PROTOCOL: 'motan2' });
  const boltHop = await startHop({ HOP_PROTOCOL: 'bolt', NEXT_HOP: `motan2://127.0.0.1:${motanHop.port}` });
  const dubboHop = await startHop({ HOP_PROTOCOL: 'dubbo', NEXT_HOP: `bolt://127.0.0.1:${boltHop.port}` });
  const mesh = createRuntime({ protocols: [dubbo()] });
  try {
    const hop = mesh.refer(Hop, { url: `127.0.0.1:${dubboHop.port}` });
    const tracer = trace.getTracer('test');
    const bag = propagation.createBaggage({ tenant: { value: 'acme' } });
    const result = await context.with(propagation.setBaggage(context.active(), bag), () =>
      tracer.startActiveSpan('root', async (root) => {
        try { return await hop.call(2); } finally { root.end(); }
      }));
    assert.equal(result, 'acme>acme>acme', 'baggage reached every hop');
  } finally {
    await mesh.stop(0);
  }
  const local = otel.spans.getFinishedSpans();
  const root = local.find((s) => s.name === 'root');
  const client0 = local.find((s) => s.kind === SpanKind.CLIENT);
  const [dubboSpans, boltSpans, motanSpans] = [await dubboHop.spans(), await boltHop.spans(), await motanHop.spans()];
  const server = (spans) => spans.find((s) => s.kind === SpanKind.SERVER);
  const client = (spans) => spans.find((s) => s.kind === SpanKind.CLIENT);
  const chain = [client0.spanContext(), server(dubboSpans), client(dubboSpans), server(boltSpans), client(boltSpans), server(motanSpans)];
  const traceId = root.spanContext().traceId;
  for (const s of chain) assert.equal(s.traceId, traceId, 'one trace end to end');
  assert.equal(client0.parentSpanContext.spanId, root.spanContext().spanId);
  assert.equal(server(dubboSpans).parentSpanId, client0.spanContext().spanId);
  assert.equal(client(dubboSpans).parentSpanId, server(dubboSpans).spanId);
  assert.equal(server(boltSpans).parentSpanId, client(dubboSpans).spanId);
  assert.equal(client(boltSpans).parentSpanId, server(boltSpans).spanId);
  assert.equal(server(motanSpans).parentSpanId, client(boltSpans).spanId);
  assert.deepEqual(
    [server(dubboSpans), server(boltSpans), server(motanSpans)].map((s) => s.attributes['rpc.system.name']),
    ['dubbo', 'sofarpc', 'motan'],
  );
  assert.equal(client0.attributes['rpc.method'], 'com.meshlet.test.Hop/call');
  assert.equal(client0.attributes['server.port'], dubboHop.port);
  assert.equal(server(motanSpans).attributes['rpc.status_code'], 'OK');
  const names = await otel.metricNames();
  for (const m of ['rpc.client.call.duration', 'meshlet.calls', 'meshlet.calls.in_flight', 'meshlet.connections']) assert.ok(names.has(m), `metric ${m}`);
});

test('a retried call shows each attempt as its own CLIENT span; errors are recorded', async () => {
  otel.spans.reset();
  const Flaky = defineService({ interface: 'com.meshlet.test.Flaky', methods: { get: { params: [], returns: t.string, idempotent: true } } });
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  server.provide(Flaky, { get: () => 'ok' });
  await server.start();
  const mesh = createRuntime({ protocols: [dubbo()] });
  try {
    // The first address refuses connections; failover moves to the live one.
    const flaky = mesh.refer(Flaky, { url: ['127.0.0.1:1', `127.0.0.1:${server.address().port}`], cluster: 'failover' });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await flaky.get());
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok']);
    const clients = otel.spans.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    const failed = clients.filter((s) => s.attributes['rpc.status_code'] === 'UNAVAILABLE');
    assert.ok(failed.length >= 1, 'the failed attempt has its own span');
    assert.ok(failed[0].events.some((e) => e.name === 'exception'));
    assert.ok(clients.some((s) => s.attributes['meshlet.attempt'] === 1), 'the retry is attempt 1');
  } finally {
    await mesh.stop(0);
    await server.stop(0);
  }
});

test('a request carrying only SOFA tracer keys (as a Java SOFA caller sends) continues that trace', async () => {
  otel.spans.reset();
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  server.provide(Hop, { call: () => 'ok' });
  await server.start();
  const sofaTraceId = '0a0fe8ed1574924390925100134813';
  try {
    for (const attachments of [
      { new_rpc_trace_context: `tcid=${sofaTraceId}&spid=0.1&pspid=0&sample=true&` },
      { 'rpc_trace_context.sofaTraceId': sofaTraceId, 'rpc_trace_context.sofaRpcId': '0.1', 'rpc_trace_context.samp': 'true' },
    ]) {
      // A raw request, written by our encoder but outside any client span: SOFA keys only.
      const inv = createInvocation(Hop, Hop.methods.get('call'), [0], { attachments });
      const frame = new RequestEncoder(new HessianWriter(), 'java-sofa-caller').encode(0, 9, inv, 1000);
      const socket = net.connect(server.address().port, '127.0.0.1');
      socket.write(frame);
      await once(socket, 'data');
      socket.destroy();
    }
    const servers = otel.spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    assert.equal(servers.length, 2);
    for (const s of servers) {
      assert.equal(s.spanContext().traceId, sofaTraceId.padStart(32, '0'), 'the SOFA trace id continues');
      assert.ok(s.parentSpanContext?.isRemote, 'parented on the remote SOFA span');
    }
    assert.equal(servers[0].parentSpanContext.spanId, servers[1].parentSpanContext.spanId, 'same SOFA span id → same OTel parent');
  } finally {
    await server.stop(0);
  }
});

test('outgoing calls carry SOFA tracer keys beside traceparent', async () => {
  let seen;
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [(next) => (inv) => { seen = { ...inv.attachments }; return next(inv); }] });
  server.provide(Hop, { call: () => 'ok' });
  await server.start();
  const mesh = createRuntime({ protocols: [dubbo()] });
  try {
    await trace.getTracer('test').startActiveSpan('root', async (root) => {
      await mesh.refer(Hop, { url: `127.0.0.1:${server.address().port}` }).call(0);
      root.end();
    });
    assert.match(seen.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(seen['rpc_trace_context.sofaTraceId'], seen.traceparent.split('-')[1]);
    assert.equal(seen['rpc_trace_context.samp'], 'true');
  } finally {
    await mesh.stop(0);
    await server.stop(0);
  }
});
