// The demo's certificates, made on the fly with the `openssl` command: a root CA and one
// certificate per workload whose URI SAN is its SPIFFE ID, the identity authorization rules name.
// In a cluster these come from cert-manager, Istio or SPIRE as a mounted secret; each workload's
// directory here has that secret's layout (cert.pem, key.pem, ca.pem), what MESHLET_TLS_DIR reads.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TRUST_DOMAIN = 'example.org';
export const PROVIDER_ID = `spiffe://${TRUST_DOMAIN}/ns/demo/sa/provider`;
export const CONSUMER_ID = `spiffe://${TRUST_DOMAIN}/ns/demo/sa/consumer`;

export interface DemoCerts {
  /** MESHLET_TLS_DIR for the provider. */
  readonly provider: string;
  /** MESHLET_TLS_DIR for the consumer. */
  readonly consumer: string;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A workload certificate signed by the demo CA, valid one day, in its own MESHLET_TLS_DIR. */
function workload(dir: string, name: string, spiffeId: string): string {
  openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  openssl(dir, 'req', '-new', '-key', `${name}.key`, '-subj', `/O=Meshlet demo/CN=${name}`, '-out', `${name}.csr`);
  // Both ends of mTLS present this certificate, so it may serve and it may call.
  writeFileSync(join(dir, `${name}.ext`), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    `subjectAltName=URI:${spiffeId}`,
    '',
  ].join('\n'));
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '1', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  const out = join(dir, name);
  mkdirSync(out);
  copyFileSync(join(dir, `${name}.pem`), join(out, 'cert.pem'));
  copyFileSync(join(dir, `${name}.key`), join(out, 'key.pem'));
  copyFileSync(join(dir, 'ca.pem'), join(out, 'ca.pem'));
  return out;
}

/** Makes the CA and both workloads' certificates in a fresh temp dir. */
export function makeDemoCerts(): DemoCerts {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-mtls-demo-'));
  openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key');
  openssl(dir, 'req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '1', '-subj', '/O=Meshlet demo/CN=demo CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem');
  return { provider: workload(dir, 'provider', PROVIDER_ID), consumer: workload(dir, 'consumer', CONSUMER_ID) };
}
