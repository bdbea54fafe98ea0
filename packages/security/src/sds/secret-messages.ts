// Envoy's SDS secret, as protobufjs reflection from our own minimal descriptor: the subset of
// envoy/extensions/transport_sockets/tls/v3/secret.proto and common.proto (TlsCertificate,
// CertificateValidationContext) and envoy/config/core/v3/base.proto (DataSource) that carries a
// workload certificate and its trusted roots, with Envoy's field numbers. Unknown fields (SPIFFE
// trust bundles, OCSP staples, ...) are skipped.
import protobuf from 'protobufjs';

const f = (id: number, type: string) => ({ id, type });

const DataSource = {
  oneofs: { specifier: { oneof: ['filename', 'inlineBytes', 'inlineString', 'environmentVariable'] } },
  fields: { filename: f(1, 'string'), inlineBytes: f(2, 'bytes'), inlineString: f(3, 'string'), environmentVariable: f(4, 'string') },
};

export const SECRET_DESCRIPTOR = {
  nested: {
    envoy: {
      nested: {
        config: { nested: { core: { nested: { v3: { nested: { DataSource } } } } } },
        extensions: {
          nested: {
            transport_sockets: {
              nested: {
                tls: {
                  nested: {
                    v3: {
                      nested: {
                        Secret: {
                          oneofs: { type: { oneof: ['tlsCertificate', 'validationContext'] } },
                          fields: {
                            name: f(1, 'string'),
                            tlsCertificate: f(2, 'TlsCertificate'),
                            validationContext: f(4, 'CertificateValidationContext'),
                          },
                        },
                        TlsCertificate: {
                          fields: {
                            certificateChain: f(1, 'envoy.config.core.v3.DataSource'),
                            privateKey: f(2, 'envoy.config.core.v3.DataSource'),
                          },
                        },
                        CertificateValidationContext: {
                          fields: { trustedCa: f(1, 'envoy.config.core.v3.DataSource') },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

const root = protobuf.Root.fromJSON(SECRET_DESCRIPTOR as unknown as protobuf.INamespace);
const SecretType = root.lookupType('envoy.extensions.transport_sockets.tls.v3.Secret');

/** Where a secret's bytes are: Istio's agent sends them inline; a file or variable is named. */
export type DataSource =
  | { readonly inlineBytes: Uint8Array }
  | { readonly inlineString: string }
  | { readonly filename: string }
  | { readonly environmentVariable: string };

export type Secret =
  | { readonly name: string; readonly kind: 'tlsCertificate'; readonly certificateChain?: DataSource; readonly privateKey?: DataSource }
  | { readonly name: string; readonly kind: 'validationContext'; readonly trustedCa?: DataSource }
  | { readonly name: string; readonly kind: 'other' };

function dataSource(m: unknown): DataSource | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const d = m as Record<string, unknown> & { specifier?: string };
  switch (d.specifier) {
    case 'inlineBytes': return { inlineBytes: d['inlineBytes'] as Uint8Array };
    case 'inlineString': return { inlineString: d['inlineString'] as string };
    case 'filename': return { filename: d['filename'] as string };
    case 'environmentVariable': return { environmentVariable: d['environmentVariable'] as string };
    default: return undefined;
  }
}

/** Throws (protobufjs' error) on bytes that are not a Secret. */
export function decodeSecret(bytes: Uint8Array): Secret {
  const m = SecretType.decode(bytes) as unknown as Record<string, unknown> & { type?: string };
  const name = String(m['name'] ?? '');
  if (m.type === 'tlsCertificate') {
    const t = m['tlsCertificate'] as Record<string, unknown>;
    const certificateChain = dataSource(t['certificateChain']);
    const privateKey = dataSource(t['privateKey']);
    return { name, kind: 'tlsCertificate', ...(certificateChain && { certificateChain }), ...(privateKey && { privateKey }) };
  }
  if (m.type === 'validationContext') {
    const trustedCa = dataSource((m['validationContext'] as Record<string, unknown>)['trustedCa']);
    return { name, kind: 'validationContext', ...(trustedCa && { trustedCa }) };
  }
  return { name, kind: 'other' };
}

/** For tests and servers of our own: a secret as bytes. */
export function encodeSecret(secret: Secret): Buffer {
  const body: Record<string, unknown> = { name: secret.name };
  if (secret.kind === 'tlsCertificate') body['tlsCertificate'] = { certificateChain: secret.certificateChain, privateKey: secret.privateKey };
  if (secret.kind === 'validationContext') body['validationContext'] = { trustedCa: secret.trustedCa };
  return Buffer.from(SecretType.encode(SecretType.fromObject(body)).finish());
}
