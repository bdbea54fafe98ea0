import { createRuntime } from '@meshlet/core';
import { startTelemetryFromEnv } from '@meshlet/otel';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { DemoService } from './contract.js';

// MESHLET_OTEL=console (or otlp) shows this process's spans and metrics; unset, nothing starts.
const telemetry = await startTelemetryFromEnv('demo-provider');

class DemoServiceImpl extends DemoService {
  override async sayHello(name: string) {
    return `Hello ${name}, from Meshlet pid ${process.pid}`;
  }

  override async greet(to: string, count: bigint) {
    return { to, text: `Hi ${to}!`, count: count + 1n };
  }
}

const mesh = createRuntime({
  application: 'demo-provider',
  registry: createRegistry(process.env.MESHLET_REGISTRY ?? 'local'),
  protocols: [dubbo()],
  server: { host: '127.0.0.1', port: 0 },
});
mesh.provide(new DemoServiceImpl());
await mesh.start();
console.log(`provider: DemoService listening on dubbo://127.0.0.1:${mesh.address()!.port}, registered in the local registry`);

process.once('SIGTERM', async () => {
  await mesh.stop();
  await telemetry?.shutdown();
  console.log('provider: deregistered, drained, stopped');
  process.exit(0);
});
