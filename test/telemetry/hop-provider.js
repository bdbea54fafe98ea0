// A provider process for the tracing tests: serves `Hop.call(depth)`; when depth > 0 it calls the
// next hop. On SIGTERM it prints its finished spans as one JSON line and exits.
import { propagation, context } from '@opentelemetry/api';
import { createRuntime, defineService, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';
import { bolt } from '@meshlet/transport-bolt';
import { installOtel, spanRecord } from './otel-harness.js';

export const Hop = defineService({
  interface: 'com.meshlet.test.Hop',
  methods: { call: { params: [t.int32], returns: t.string } },
});

const otel = installOtel();
// HOP_PROTOCOL: what this hop serves; NEXT_HOP: `protocol://host:port` of the next one.
const serve = process.env.HOP_PROTOCOL ?? 'dubbo';
const next = process.env.NEXT_HOP;
const all = { dubbo, bolt, motan2 };
// The served protocol first (it is the default for exports), then the others for the next hop.
const protocols = [all[serve](), ...Object.entries(all).filter(([n]) => n !== serve).map(([, p]) => p())];
const mesh = createRuntime({ application: `hop-${process.pid}`, protocols, server: { host: '127.0.0.1', port: 0 } });
const downstream = next ? mesh.refer(Hop, { url: next, protocol: new URL(next).protocol.slice(0, -1) }) : undefined;
mesh.provide(Hop, {
  async call(depth) {
    const baggage = propagation.getBaggage(context.active())?.getEntry('tenant')?.value ?? 'none';
    if (depth > 0 && downstream) return `${baggage}>${await downstream.call(depth - 1)}`;
    return baggage;
  },
});
await mesh.start();
console.log(`READY ${mesh.address().port}`);
process.once('SIGTERM', async () => {
  await mesh.stop(0);
  console.log(JSON.stringify(otel.spans.getFinishedSpans().map(spanRecord)));
  await otel.shutdown();
  process.exit(0);
});
