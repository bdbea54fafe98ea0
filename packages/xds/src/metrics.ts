// xDS counters through the OpenTelemetry metrics API (no-ops until an SDK is registered), made on
// first use and again when the provider changes, as @meshlet/core's are.
import { metrics, type MeterProvider } from '@opentelemetry/api';
import { shortTypeName } from './type-urls.js';

function createInstruments(provider: MeterProvider) {
  const meter = provider.getMeter('meshlet', '0.1.0');
  return {
    provider,
    updates: meter.createCounter('meshlet.xds.updates', {
      unit: '{update}',
      description: 'xDS resources changed by the control plane: applied (new or changed) or removed (deleted, or found not to exist)',
    }),
    nacks: meter.createCounter('meshlet.xds.nacks', { unit: '{response}', description: 'xDS responses NACKed because a resource in them was invalid' }),
  };
}

let current: ReturnType<typeof createInstruments> | undefined;

function instruments() {
  const provider = metrics.getMeterProvider();
  if (current === undefined || current.provider !== provider) current = createInstruments(provider);
  return current;
}

export function xdsUpdate(typeUrl: string, outcome: 'applied' | 'removed'): void {
  instruments().updates.add(1, { 'meshlet.xds.type': shortTypeName(typeUrl), 'meshlet.xds.outcome': outcome });
}

export function xdsNack(typeUrl: string): void {
  instruments().nacks.add(1, { 'meshlet.xds.type': shortTypeName(typeUrl) });
}
