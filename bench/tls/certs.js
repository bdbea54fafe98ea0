// Certificates for the bench's mTLS rows, made with the `openssl` command in a temp dir: one root,
// a provider certificate and a consumer certificate with SPIFFE identities, each laid out as
// MESHLET_TLS_DIR wants it (cert.pem, key.pem, ca.pem). The bench does not import test/: these
// are its own, and only what a handshake needs (no expired or untrusted variants).
//
// Keys are EC P-256 (what SPIRE issues by default); BENCH_TLS_KEY=rsa makes RSA 2048 ones (Istio's
// default), whose handshakes cost more on the server (an RSA signature per handshake).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PROVIDER_ID = 'spiffe://bench.meshlet/ns/bench/sa/provider';
export const CONSUMER_ID = 'spiffe://bench.meshlet/ns/bench/sa/consumer';

async function openssl(cwd, args) {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

const keyArgs = (kind) => (kind === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);

async function leaf(dir, name, ca, kind, subject, san, usage) {
  await openssl(dir, ['genpkey', ...keyArgs(kind), '-out', `${name}.key`]);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\nsubjectAltName=${san}\n`);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x1${randomBytes(8).toString('hex')}`,
    '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  // MESHLET_TLS_DIR's layout, one directory per workload.
  const out = join(dir, name);
  mkdirSync(out);
  copyFileSync(join(dir, `${name}.pem`), join(out, 'cert.pem'));
  copyFileSync(join(dir, `${name}.key`), join(out, 'key.pem'));
  copyFileSync(ca.cert, join(out, 'ca.pem'));
  return out;
}

/**
 * Makes a root, the provider's and the consumer's certificates in a fresh temp dir; resolves to
 * `{ dir, provider, consumer }`, the last two MESHLET_TLS_DIR directories. The provider's also
 * names 127.0.0.1 and localhost, so a client without `identities` passes Node's host-name check.
 */
export async function makeBenchCerts(kind = 'ec') {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-bench-tls-'));
  const ca = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') };
  await openssl(dir, ['genpkey', ...keyArgs(kind), '-out', ca.key]);
  await openssl(dir, ['req', '-x509', '-new', '-key', ca.key, '-sha256', '-days', '30', '-subj', '/CN=Meshlet Bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', ca.cert]);
  const [provider, consumer] = await Promise.all([
    leaf(dir, 'provider', ca, kind, '/CN=provider/O=Meshlet Bench', `URI:${PROVIDER_ID},DNS:localhost,IP:127.0.0.1`, 'serverAuth,clientAuth'),
    leaf(dir, 'consumer', ca, kind, '/CN=consumer/O=Meshlet Bench', `URI:${CONSUMER_ID}`, 'clientAuth'),
  ]);
  return { dir, provider, consumer };
}
