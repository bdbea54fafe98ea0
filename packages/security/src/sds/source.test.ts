// sdsTlsSource against the in-process xDS server: responses that carry only part of the secrets,
// a source without roots, and listeners that throw. (The Go server's tests: test/security/sds.test.js.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeXdsServer, certificateSecret, certs as makeCerts, rootsSecret } from './sds.fixture.js';
import { sdsTlsSource } from './source.js';

const certs = await makeCerts();

test('secrets arriving in separate responses: ready once both are there, each later one merged', async (t) => {
  const server = await new FakeXdsServer().start();
  t.after(() => server.stop());
  const source = sdsTlsSource({ address: server.target, readyTimeout: 5000 });
  t.after(() => source.close());
  let ready = false;
  const readyDone = source.ready().then(() => (ready = true));

  assert.deepEqual((await server.request(0, 0)).resourceNames, ['default', 'ROOTCA']);
  server.push('1', [rootsSecret('ROOTCA', certs.ca.cert)]);
  assert.equal((await server.request(0, 1)).versionInfo, '1'); // ACKed, though not ready yet
  assert.equal(ready, false);
  assert.equal(source.status().ready, false);

  server.push('2', [certificateSecret('default', certs.server)]);
  await readyDone;
  assert.deepEqual(source.current(), { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert });

  // Only the certificate changes: the roots stay from the earlier response.
  const changed = new Promise<void>((resolve) => source.onChange(resolve));
  server.push('3', [certificateSecret('default', certs.server2)]);
  await changed;
  assert.equal(source.current().cert, certs.server2.cert);
  assert.equal(source.current().ca, certs.ca.cert);
  assert.equal(source.status().version, '3');
  assert.equal(source.status().certificate?.serial, certs.server2.serial);
});

test('caName null asks for the certificate alone; a listener that throws does not stop the others', async (t) => {
  const server = await new FakeXdsServer().start();
  t.after(() => server.stop());
  const source = sdsTlsSource({ address: server.target, certName: 'spiffe://td/ns/a/sa/b', caName: null });
  t.after(() => source.close());

  assert.deepEqual((await server.request(0, 0)).resourceNames, ['spiffe://td/ns/a/sa/b']);
  server.push('1', [certificateSecret('spiffe://td/ns/a/sa/b', certs.client)]);
  await source.ready();
  assert.deepEqual(source.current(), { cert: certs.client.cert, key: certs.client.key });

  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  const unsubscribe = source.onChange(() => {
    throw new Error('listener bug');
  });
  const second = new Promise<void>((resolve) => source.onChange(resolve));
  server.push('2', [certificateSecret('spiffe://td/ns/a/sa/b', certs.server)]);
  await second;
  assert.match((await warned).message, /listener bug/);
  unsubscribe();
  assert.equal((await server.request(0, 2)).versionInfo, '2'); // the stream went on
});
