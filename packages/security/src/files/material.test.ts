// loadMaterial alone: the checks that decide whether files may be adopted.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { certs as makeCerts, plainDir } from './files.fixture.js';
import { loadMaterial, sameMaterial } from './material.js';

const certs = await makeCerts();
const files = (dir: string, ca = true) => ({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: ca ? join(dir, 'ca.pem') : undefined });
const code = (c: string, re?: RegExp) => (err: unknown) => RpcError.is(err) && err.code === c && (re === undefined || re.test(err.message));

test('a good pair: material and what status() shows', async () => {
  const loaded = await loadMaterial(files(plainDir(certs.client, certs.ca)));
  assert.equal(loaded.material.cert, certs.client.cert);
  assert.equal(loaded.material.ca, certs.ca.cert);
  assert.equal(loaded.info.serial, certs.client.serial);
  assert.equal(loaded.info.spiffeId, 'spiffe://meshlet.test/ns/default/sa/client');
  assert.match(loaded.info.subject, /CN=client/);
  assert.ok(loaded.info.notBefore < loaded.info.notAfter);
  assert.ok(sameMaterial(loaded.material, { cert: certs.client.cert, key: certs.client.key, ca: certs.ca.cert }));
  assert.ok(!sameMaterial(loaded.material, { cert: certs.client.cert, key: certs.client.key }));
});

test('a chain file (leaf then intermediate) is read by its leaf', async () => {
  const dir = plainDir(certs.client);
  writeFileSync(join(dir, 'cert.pem'), certs.client.cert + certs.ca.cert);
  const loaded = await loadMaterial(files(dir, false));
  assert.equal(loaded.info.serial, certs.client.serial);
});

test('refusals: missing is UNAVAILABLE; junk, encrypted key, bad CA, the wrong key, expired are INVALID_ARGUMENT', async () => {
  await assert.rejects(loadMaterial(files(plainDir(), false)), code(Code.Unavailable, /does not exist/));

  const junk = plainDir(certs.client);
  writeFileSync(join(junk, 'cert.pem'), 'not a certificate\n');
  await assert.rejects(loadMaterial(files(junk, false)), code(Code.InvalidArgument, /no complete PEM/));

  const garbled = plainDir(certs.client);
  writeFileSync(join(garbled, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  await assert.rejects(loadMaterial(files(garbled, false)), code(Code.InvalidArgument, /does not parse/));

  const encrypted = plainDir(certs.client);
  const pem = createPrivateKey(certs.client.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' });
  writeFileSync(join(encrypted, 'key.pem'), pem);
  await assert.rejects(loadMaterial(files(encrypted, false)), code(Code.InvalidArgument, /key file .* does not parse/));

  const badCa = plainDir(certs.client);
  writeFileSync(join(badCa, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
  await assert.rejects(loadMaterial(files(badCa)), code(Code.InvalidArgument, /ca\.pem/));

  const wrongKey = plainDir(certs.client);
  writeFileSync(join(wrongKey, 'key.pem'), certs.client2.key);
  await assert.rejects(loadMaterial(files(wrongKey, false)), code(Code.InvalidArgument, /does not belong/));

  await assert.rejects(loadMaterial(files(plainDir(certs.expired), false)), code(Code.InvalidArgument, /expired at 2020-02-01/));
  // The same check is against the clock it is given: a good certificate, a year and a day later.
  await assert.rejects(loadMaterial(files(plainDir(certs.client), false), Date.now() + 366 * 86_400_000), code(Code.InvalidArgument, /expired/));
});
