// Test helpers for the SDS client: the repo's openssl-made certificates (test/security/certs.js,
// loaded by URL: plain JS outside this project), an in-process xDS server on grpc-js that records
// every request and lets a test push responses or break the stream, and secret builders.
import { FakeXdsServer as GenericFakeXdsServer } from '@meshlet/xds/testing';
import type { AnyResource } from '@meshlet/xds/stream';
import { SECRET_TYPE_URL, encodeSecret } from './secret-messages.js';

export { eventually } from '@meshlet/xds/testing';

export interface Leaf { cert: string; key: string; serial: string }
export interface Certs { ca: { cert: string }; server: Leaf; server2: Leaf; client: Leaf; expired: Leaf }

const certsModule = new URL('../../../../test/security/certs.js', import.meta.url).href;

export async function certs(): Promise<Certs> {
  const mod = (await import(certsModule)) as { makeCerts(): Promise<Certs> };
  return mod.makeCerts();
}

export const SDS_PATH = '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets';

/** @meshlet/xds' scripted server, serving SDS, pushing secrets unless told another type. */
export class FakeXdsServer extends GenericFakeXdsServer {
  constructor() {
    super(SDS_PATH);
  }

  override push(version: string, resources: readonly AnyResource[], typeUrl = SECRET_TYPE_URL): string {
    return super.push(version, resources, typeUrl);
  }
}

export function certificateSecret(name: string, leaf: { cert: string; key: string }, inline: 'bytes' | 'string' = 'bytes'): AnyResource {
  const ds = (s: string) => (inline === 'bytes' ? { inlineBytes: Buffer.from(s) } : { inlineString: s });
  return {
    typeUrl: SECRET_TYPE_URL,
    value: encodeSecret({ name, kind: 'tlsCertificate', certificateChain: ds(leaf.cert), privateKey: ds(leaf.key) }),
  };
}

export function rootsSecret(name: string, ca: string): AnyResource {
  return { typeUrl: SECRET_TYPE_URL, value: encodeSecret({ name, kind: 'validationContext', trustedCa: { inlineBytes: Buffer.from(ca) } }) };
}

