// From SDS secrets to the PEM material a TLS context takes, refusing what would break handshakes:
// a response that cannot be read, a certificate that does not parse, a key that is not the
// certificate's, a certificate already expired. A refusal becomes the NACK's message, so it says
// which secret and why.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { TlsMaterial } from '@meshlet/core';
import type { AnyResource } from '@meshlet/xds/stream';
import { unwrapResource } from '@meshlet/xds/stream';
import { SECRET_TYPE_URL, decodeSecret, type DataSource, type Secret } from './secret-messages.js';

/** The secrets of a response by name; throws on a resource of another type or unreadable bytes. */
export function secretsOf(resources: readonly AnyResource[]): Map<string, Secret> {
  const out = new Map<string, Secret>();
  for (const any of resources) {
    const { value } = unwrapResource(any, SECRET_TYPE_URL);
    let secret: Secret;
    try {
      secret = decodeSecret(value);
    } catch (err) {
      throw new Error(`a secret that does not decode: ${err instanceof Error ? err.message : String(err)}`);
    }
    out.set(secret.name, secret);
  }
  return out;
}

// Inline data only: a file or a variable names something on the server's side, not ours.
function text(source: DataSource | undefined, what: string): string {
  if (!source) throw new Error(`${what} is missing`);
  if ('inlineBytes' in source) return Buffer.from(source.inlineBytes).toString('utf8');
  if ('inlineString' in source) return source.inlineString;
  throw new Error(`${what} is not inline (${'filename' in source ? 'a file name' : 'an environment variable'})`);
}

/** The workload certificate: chain and key, checked to parse and to belong together. */
export function certificateOf(secret: Secret): { cert: string; key: string; leaf: X509Certificate } {
  if (secret.kind !== 'tlsCertificate') throw new Error(`secret ${secret.name} is not a tls_certificate`);
  const cert = text(secret.certificateChain, `secret ${secret.name}: certificate_chain`);
  const key = text(secret.privateKey, `secret ${secret.name}: private_key`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`secret ${secret.name}: certificate_chain is not a certificate (${(err as Error).message})`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`secret ${secret.name}: private_key is not a private key (${(err as Error).message})`);
  }
  if (!matches) throw new Error(`secret ${secret.name}: the private key does not match the certificate`);
  // An expired certificate fails every handshake; the one held now is better until a fresh one comes.
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() < Date.now()) {
    throw new Error(`secret ${secret.name}: the certificate (serial ${leaf.serialNumber}) expired at ${notAfter.toISOString()}`);
  }
  return { cert, key, leaf };
}

/** The trusted roots, checked to parse. */
export function rootsOf(secret: Secret): string {
  if (secret.kind !== 'validationContext') throw new Error(`secret ${secret.name} is not a validation_context`);
  const ca = text(secret.trustedCa, `secret ${secret.name}: trusted_ca`);
  try {
    new X509Certificate(ca);
  } catch (err) {
    throw new Error(`secret ${secret.name}: trusted_ca is not a certificate (${(err as Error).message})`);
  }
  return ca;
}

export function sameMaterial(a: TlsMaterial | undefined, b: TlsMaterial): boolean {
  return a !== undefined && String(a.cert) === String(b.cert) && String(a.key) === String(b.key) && String(a.ca ?? '') === String(b.ca ?? '');
}
