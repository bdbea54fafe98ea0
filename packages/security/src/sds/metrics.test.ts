// The SDS source's loads reach core's meshlet.tls.loads counter (alone in its file: it installs a
// global meter provider that records every counter's adds).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordCounterAdds } from '@meshlet/xds/testing';
import { FakeXdsServer, certificateSecret, certs as makeCerts, rootsSecret } from './sds.fixture.js';
import { sdsTlsSource } from './source.js';

const adds = recordCounterAdds();
const certs = await makeCerts();

test('adopted pushes and NACKed ones are counted in meshlet.tls.loads', async (t) => {
  const server = await new FakeXdsServer().start();
  t.after(() => server.stop());
  const source = sdsTlsSource({ address: server.target });
  t.after(() => source.close());
  await server.request(0, 0);
  server.push('1', [certificateSecret('default', certs.server), rootsSecret('ROOTCA', certs.ca.cert)]);
  await source.ready();
  server.push('2', [certificateSecret('default', { cert: certs.server.cert, key: certs.server2.key })]);
  await server.request(0, 2); // the NACK
  server.push('3', [certificateSecret('default', certs.server2)]);
  await server.request(0, 3);

  const loads = adds.filter((a) => a.name === 'meshlet.tls.loads').map((a) => a.attributes);
  assert.deepEqual(loads, [
    { 'meshlet.tls.source': 'sds', 'meshlet.tls.outcome': 'adopted' },
    { 'meshlet.tls.source': 'sds', 'meshlet.tls.outcome': 'refused', 'error.type': 'INVALID_ARGUMENT' },
    { 'meshlet.tls.source': 'sds', 'meshlet.tls.outcome': 'adopted' },
  ]);
});
