// The file source's loads reach core's meshlet.tls.loads counter (alone in its file: it installs
// a global meter provider that records every counter's adds).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNoopMeter, metrics, type Attributes, type Counter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { certs as makeCerts, plainDir, recorded } from './files.fixture.js';

const adds: Array<{ name: string; value: number; attributes: Attributes | undefined }> = [];
const noop = createNoopMeter();
const meter: Meter = Object.assign(Object.create(noop) as Meter, {
  createCounter(name: string): Counter {
    return { add: (value: number, attributes?: Attributes) => { adds.push({ name, value, attributes }); } };
  },
});
const provider: MeterProvider = { getMeter: () => meter };
metrics.setGlobalMeterProvider(provider);
const certs = await makeCerts();

test('adopted and refused loads are counted in meshlet.tls.loads', async () => {
  const dir = plainDir(certs.server, certs.ca);
  const rec = recorded({ dir });
  try {
    await rec.source.ready();
    const failed = rec.nextError();
    writeFileSync(join(dir, 'cert.pem'), certs.server2.cert);
    await failed;
    const changed = rec.nextChange();
    writeFileSync(join(dir, 'key.pem'), certs.server2.key);
    await changed;
  } finally {
    rec.source.close();
  }
  const loads = adds.filter((a) => a.name === 'meshlet.tls.loads').map((a) => a.attributes);
  assert.deepEqual(loads, [
    { 'meshlet.tls.source': 'files', 'meshlet.tls.outcome': 'adopted' },
    { 'meshlet.tls.source': 'files', 'meshlet.tls.outcome': 'refused', 'error.type': 'INVALID_ARGUMENT' },
    { 'meshlet.tls.source': 'files', 'meshlet.tls.outcome': 'adopted' },
  ]);
});
