import { createRuntime } from '@meshlet/core';
import { startTelemetryFromEnv } from '@meshlet/otel';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { DemoService } from './contract.js';

// MESHLET_OTEL=console (or otlp) shows this process's spans and metrics; unset, nothing starts.
const telemetry = await startTelemetryFromEnv('demo-consumer');

const mesh = createRuntime({
  application: 'demo-consumer',
  registry: createRegistry(process.env.MESHLET_REGISTRY ?? 'local'),
  protocols: [dubbo()],
});
const demo = mesh.refer(DemoService);

console.log('consumer:', await demo.sayHello('world'));
const g = await demo.greet('Ada', 9007199254740992n);
console.log(`consumer: greet → ${g.text} (count ${g.count}, exact beyond 2^53)`);
await mesh.stop();
await telemetry?.shutdown();
