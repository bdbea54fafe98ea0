// Test certificates made with the `openssl` command (Debian's openssl 3), for every TLS test:
// two roots, servers (one to rotate to), clients with two identities, and the bad ones a test must
// see refused (untrusted root, expired, wrong SAN). EC P-256 keys keep one set under a second.
//
//   const certs = await makeCerts();      // cached per process: one openssl run set per test file
//   certs.server.cert / .key / .certPath / .keyPath / .serial / .fingerprint256
//   certs.ca.cert / .certPath
//   const dir = tlsDir(certs.client, certs.ca);   // cert.pem, key.pem, ca.pem (MESHLET_TLS_DIR)
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SPIFFE_SERVER = 'spiffe://meshlet.test/ns/default/sa/server';
export const SPIFFE_CLIENT = 'spiffe://meshlet.test/ns/default/sa/client';
export const SPIFFE_INTRUDER = 'spiffe://meshlet.test/ns/other/sa/intruder';
const SERVER_SAN = `DNS:localhost,IP:127.0.0.1,IP:::1,URI:${SPIFFE_SERVER}`;

async function openssl(cwd, ...args) {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

async function ecKey(dir, name) {
  const keyPath = join(dir, `${name}.key`);
  await openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath);
  return keyPath;
}

async function makeRoot(dir, name, cn) {
  const keyPath = await ecKey(dir, name);
  const certPath = join(dir, `${name}.pem`);
  await openssl(dir, 'req', '-x509', '-new', '-key', keyPath, '-sha256', '-days', '3650', '-subj', `/CN=${cn}/O=Meshlet`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', certPath);
  return { cert: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

function extFile(dir, name, san, usage) {
  const path = join(dir, `${name}.ext`);
  writeFileSync(path, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
    `subjectAltName=${san}`,
    '',
  ].join('\n'));
  return path;
}

function readLeaf(certPath, keyPath) {
  const cert = readFileSync(certPath, 'utf8');
  const x509 = new X509Certificate(cert);
  return { cert, key: readFileSync(keyPath, 'utf8'), certPath, keyPath, serial: x509.serialNumber, fingerprint256: x509.fingerprint256 };
}

// A leaf valid from now for `days`, signed by `ca` (`openssl x509 -req`, random serial).
async function makeLeaf(dir, name, ca, { subj, san, usage }) {
  const keyPath = await ecKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.pem`);
  await openssl(dir, 'req', '-new', '-key', keyPath, '-subj', subj, '-out', csr);
  await openssl(dir, 'x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', randomSerial(),
    '-days', '365', '-sha256', '-extfile', extFile(dir, name, san, usage), '-out', certPath);
  return readLeaf(certPath, keyPath);
}

// openssl 3.0's `x509 -req` has no -not_before/-not_after (3.4 has), so the expired one goes
// through `openssl ca`, whose -startdate/-enddate set a validity window entirely in the past.
async function makeExpired(dir, name, ca, { subj, san, usage }) {
  const keyPath = await ecKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.pem`);
  await openssl(dir, 'req', '-new', '-key', keyPath, '-subj', subj, '-out', csr);
  const db = join(dir, `${name}-ca`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), `${randomSerial().slice(2)}\n`);
  const conf = join(db, 'ca.cnf');
  writeFileSync(conf, [
    '[ca]', 'default_ca = test_ca', '',
    '[test_ca]',
    `dir = ${db}`,
    'database = $dir/index.txt', 'serial = $dir/serial', 'new_certs_dir = $dir',
    'default_md = sha256', 'policy = any', 'copy_extensions = none', 'unique_subject = no', '',
    '[any]', 'commonName = supplied', 'organizationName = optional', '',
    '[leaf]',
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`, `subjectAltName=${san}`, '',
  ].join('\n'));
  await openssl(dir, 'ca', '-batch', '-config', conf, '-extensions', 'leaf', '-cert', ca.certPath, '-keyfile', ca.keyPath,
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext', '-in', csr, '-out', certPath);
  return readLeaf(certPath, keyPath);
}

// 16 hex digits, leading 1: positive, even length (openssl ca's serial file wants whole bytes) and
// random, so no two certificates of a run (or of two runs) share a serial.
function randomSerial() {
  return `0x1${randomBytes(8).toString('hex').slice(1)}`;
}

let cached;

// Temp dirs made here are removed when the process exits (a dir the caller passed is theirs).
const made = [];
function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  made.push(dir);
  return dir;
}

/**
 * Makes the whole set in a fresh temp dir (or `dir`); one promise per process, so every test in a
 * file shares it. Each leaf: `{ cert, key, certPath, keyPath, serial, fingerprint256 }`; each root
 * `{ cert, certPath }` (plus `keyPath`, for a test that signs more).
 */
export function makeCerts(dir) {
  if (cached && (dir === undefined || cached.dir === dir)) return cached.promise;
  const where = dir ?? tempDir('meshlet-certs-');
  mkdirSync(where, { recursive: true });
  const promise = build(where);
  cached = { dir: where, promise };
  promise.catch(() => { if (cached?.promise === promise) cached = undefined; });
  return promise;
}

async function build(dir) {
  const [ca, ca2] = await Promise.all([makeRoot(dir, 'ca', 'Meshlet Test CA'), makeRoot(dir, 'ca2', 'Meshlet Untrusted CA')]);
  const server = { subj: '/CN=server/O=Meshlet', san: SERVER_SAN, usage: 'serverAuth,clientAuth' };
  const [s1, s2, client, client2, untrusted, expired, wrongSan] = await Promise.all([
    makeLeaf(dir, 'server', ca, server),
    makeLeaf(dir, 'server2', ca, server),
    makeLeaf(dir, 'client', ca, { subj: '/CN=client/O=Meshlet', san: `URI:${SPIFFE_CLIENT}`, usage: 'clientAuth' }),
    makeLeaf(dir, 'client2', ca, { subj: '/CN=intruder/O=Meshlet', san: `URI:${SPIFFE_INTRUDER}`, usage: 'clientAuth' }),
    makeLeaf(dir, 'untrusted', ca2, { subj: '/CN=client/O=Meshlet', san: `URI:${SPIFFE_CLIENT}`, usage: 'clientAuth' }),
    makeExpired(dir, 'expired', ca, { subj: '/CN=expired/O=Meshlet', san: SERVER_SAN, usage: 'serverAuth,clientAuth' }),
    makeLeaf(dir, 'wrongSan', ca, { subj: '/CN=wrong/O=Meshlet', san: 'DNS:wrong.example', usage: 'serverAuth' }),
  ]);
  return { dir, ca, ca2, server: s1, server2: s2, client, client2, untrusted, expired, wrongSan };
}

/**
 * A directory in MESHLET_TLS_DIR's layout: `cert.pem`, `key.pem` and (with `ca`) `ca.pem`, fresh
 * for each call, so a test may rewrite it; removed at exit like the certificates' own.
 */
export function tlsDir(entry, ca) {
  const dir = tempDir('meshlet-tls-');
  copyFileSync(entry.certPath, join(dir, 'cert.pem'));
  copyFileSync(entry.keyPath, join(dir, 'key.pem'));
  if (ca) copyFileSync(ca.certPath, join(dir, 'ca.pem'));
  return dir;
}
