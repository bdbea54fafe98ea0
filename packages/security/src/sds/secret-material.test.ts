// SDS secrets to TLS material: what is adopted and what is refused (each refusal is a NACK's message).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateOf, rootsOf, secretsOf } from './secret-material.js';
import { SECRET_TYPE_URL, decodeSecret, encodeSecret } from './secret-messages.js';
import { certificateSecret, certs as makeCerts, rootsSecret } from './sds.fixture.js';
import { RESOURCE_WRAPPER_TYPE, xdsRoot, type AnyResource } from '@meshlet/xds/stream';

const certs = await makeCerts();

test('inline bytes and inline strings both give the PEM text; a matching pair is adopted', () => {
  for (const inline of ['bytes', 'string'] as const) {
    const secrets = secretsOf([certificateSecret('default', certs.server, inline), rootsSecret('ROOTCA', certs.ca.cert)]);
    const { cert, key, leaf } = certificateOf(secrets.get('default')!);
    assert.equal(cert, certs.server.cert);
    assert.equal(key, certs.server.key);
    assert.equal(leaf.serialNumber, certs.server.serial);
    assert.equal(rootsOf(secrets.get('ROOTCA')!), certs.ca.cert);
  }
});

test('a secret inside the envoy.service.discovery.v3.Resource wrapper is read', () => {
  const Wrapper = xdsRoot.lookupType('envoy.service.discovery.v3.Resource');
  const inner = certificateSecret('default', certs.server);
  const wrapped: AnyResource = {
    typeUrl: RESOURCE_WRAPPER_TYPE,
    value: Wrapper.encode(Wrapper.fromObject({ version: '3', name: 'default', resource: inner })).finish(),
  };
  assert.equal(certificateOf(secretsOf([wrapped]).get('default')!).cert, certs.server.cert);
});

test('refusals say which secret and why', () => {
  const refuse = (resources: AnyResource[], re: RegExp, name = 'default', roots = false) =>
    assert.throws(() => {
      const s = secretsOf(resources).get(name)!;
      if (roots) rootsOf(s);
      else certificateOf(s);
    }, re);

  refuse([certificateSecret('default', { cert: certs.server.cert, key: certs.server2.key })], /secret default: the private key does not match the certificate/);
  refuse([certificateSecret('default', certs.expired)], /secret default: the certificate \(serial [0-9A-F]+\) expired at 2020-02-01T00:00:00\.000Z/);
  refuse([certificateSecret('default', { cert: 'not pem', key: certs.server.key })], /secret default: certificate_chain is not a certificate/);
  refuse([certificateSecret('default', { cert: certs.server.cert, key: 'not a key' })], /secret default: private_key is not a private key/);
  refuse([rootsSecret('ROOTCA', 'junk')], /secret ROOTCA: trusted_ca is not a certificate/, 'ROOTCA', true);
  refuse([rootsSecret('default', certs.ca.cert)], /secret default is not a tls_certificate/);
  refuse([certificateSecret('ROOTCA', certs.server)], /secret ROOTCA is not a validation_context/, 'ROOTCA', true);

  const fromFile = encodeSecret({ name: 'default', kind: 'tlsCertificate', certificateChain: { filename: '/etc/cert.pem' }, privateKey: { inlineString: certs.server.key } });
  refuse([{ typeUrl: SECRET_TYPE_URL, value: fromFile }], /certificate_chain is not inline \(a file name\)/);
  const noKey = encodeSecret({ name: 'default', kind: 'tlsCertificate', certificateChain: { inlineString: certs.server.cert } });
  refuse([{ typeUrl: SECRET_TYPE_URL, value: noKey }], /private_key is missing/);

  assert.throws(() => secretsOf([{ typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', value: new Uint8Array() }]), /expected .*tls\.v3\.Secret/);
  assert.throws(() => secretsOf([{ typeUrl: SECRET_TYPE_URL, value: Buffer.from([0x0a, 0x7f]) }]), /a secret that does not decode/);
});

test('a secret of another kind (generic_secret) decodes as "other" and unknown fields are skipped', () => {
  // Field 5 (generic_secret) is not in our descriptor; field 99 is in nobody's.
  const bytes = Buffer.concat([encodeSecret({ name: 'x', kind: 'other' }), Buffer.from([0x2a, 0x00, 0x9a, 0x06, 0x01, 0x41])]);
  assert.deepEqual(decodeSecret(bytes), { name: 'x', kind: 'other' });
});
