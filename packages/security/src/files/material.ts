// Reads the PEM files once and decides whether they may be adopted: everything a rotation can get
// wrong (a file missing, half written, a new certificate next to the old key, an expired one) is
// an RpcError here, never material handed to a TLS context. Node's own parser decides, so what we
// accept is what `tls.createSecureContext` would accept.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Code, RpcError, type TlsMaterial } from '@meshlet/core';

/** The three paths a source reads; `ca` is optional (without it Node's default roots apply). */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string | undefined;
}

/** What was adopted, for `status()` and for telling two certificates apart. */
export interface CertificateInfo {
  readonly serial: string;
  readonly fingerprint256: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The first `spiffe://` URI SAN, when the certificate carries one. */
  readonly spiffeId?: string | undefined;
}

export interface LoadedMaterial {
  readonly material: TlsMaterial;
  readonly info: CertificateInfo;
}

async function read(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Missing is the one state that may fix itself (a secret not mounted yet, a swap in progress).
    if (code === 'ENOENT') throw new RpcError(Code.Unavailable, `${what} file ${path} does not exist`, { cause: err });
    throw new RpcError(Code.InvalidArgument, `${what} file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function parseCert(pem: string, path: string): X509Certificate {
  // X509Certificate would also take DER; a PEM file without its END line is a half-written one,
  // and Node parses only the first block, so check the armour ourselves.
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) {
    throw new RpcError(Code.InvalidArgument, `certificate file ${path} holds no complete PEM certificate (empty or half written)`);
  }
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new RpcError(Code.InvalidArgument, `certificate file ${path} does not parse: ${(err as Error).message}`, { cause: err });
  }
}

function spiffeIdOf(cert: X509Certificate): string | undefined {
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('URI:spiffe://')) return entry.slice(4);
  }
  return undefined;
}

/**
 * Reads `files` and validates them: each parses, the key is the certificate's, the certificate
 * is inside its validity window at `now`, the CA file (when given) holds a certificate. Throws
 * RpcError UNAVAILABLE when a file is missing, INVALID_ARGUMENT for anything else.
 */
export async function loadMaterial(files: TlsFiles, now: number = Date.now()): Promise<LoadedMaterial> {
  const [certPem, keyPem, caPem] = await Promise.all([
    read(files.cert, 'certificate'),
    read(files.key, 'key'),
    files.ca === undefined ? undefined : read(files.ca, 'CA'),
  ]);
  const cert = parseCert(certPem, files.cert);
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new RpcError(Code.InvalidArgument, `key file ${files.key} does not parse (empty, half written or encrypted): ${(err as Error).message}`, { cause: err });
  }
  if (!cert.checkPrivateKey(key)) {
    // The usual cause is a writer between its two steps: the new certificate next to the old key.
    throw new RpcError(Code.InvalidArgument, `key file ${files.key} does not belong to certificate ${files.cert} (serial ${cert.serialNumber})`);
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now) {
    throw new RpcError(Code.InvalidArgument, `certificate ${files.cert} (serial ${cert.serialNumber}) expired at ${notAfter.toISOString()}`);
  }
  if (caPem !== undefined && files.ca !== undefined) parseCert(caPem, files.ca);
  return {
    material: caPem === undefined ? { cert: certPem, key: keyPem } : { cert: certPem, key: keyPem, ca: caPem },
    info: {
      serial: cert.serialNumber,
      fingerprint256: cert.fingerprint256,
      subject: cert.subject.split('\n').join(','),
      notBefore,
      notAfter,
      spiffeId: spiffeIdOf(cert),
    },
  };
}

/** True when two loads read the same bytes: a watch event that changed nothing is no rotation. */
export function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.cert === b.cert && a.key === b.key && a.ca === b.ca;
}
