#!/usr/bin/env node
// `npm run demo:mtls`: makes a CA and two SPIFFE certificates with openssl, starts the provider
// and the consumer as two processes over mutual TLS (each given its MESHLET_TLS_DIR), and prints
// which calls the authorization policy allowed and which it refused. Then stops the provider.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemoCerts, PROVIDER_ID } from './dist/certs.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let certs;
try {
  certs = makeDemoCerts();
} catch (err) {
  console.error(`demo: making the certificates needs the openssl command (${err.code === 'ENOENT' ? 'not found' : err.message})`);
  process.exit(1);
}
console.log(`demo: certificates made: provider ${PROVIDER_ID}, consumer in ${certs.consumer}`);
// A fresh registry directory, so entries from earlier runs cannot interfere.
const base = { ...process.env, MESHLET_LOCAL_REGISTRY_DIR: mkdtempSync(join(tmpdir(), 'meshlet-mtls-registry-')) };

const provider = spawn(process.execPath, [join(here, 'dist/provider.js')], {
  env: { ...base, MESHLET_TLS_DIR: certs.provider },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let providerOut = '';
const ready = new Promise((resolve, reject) => {
  provider.stdout.setEncoding('utf8');
  provider.stdout.on('data', (text) => {
    process.stdout.write(text);
    providerOut += text;
    if (providerOut.includes('listening')) resolve();
  });
  provider.once('exit', (code) => reject(new Error(`provider exited early (${code})`)));
});
const timer = setTimeout(() => { provider.kill('SIGKILL'); console.error('demo: provider did not start in 15 s'); process.exit(1); }, 15_000);
await ready;
clearTimeout(timer);

const consumer = spawn(process.execPath, [join(here, 'dist/consumer.js')], {
  env: { ...base, MESHLET_TLS_DIR: certs.consumer, MESHLET_TLS_IDENTITIES: PROVIDER_ID },
  stdio: 'inherit',
});
const code = await new Promise((resolve) => consumer.once('exit', resolve));
provider.kill('SIGTERM');
await new Promise((resolve) => provider.once('exit', resolve));
process.exit(code ?? 1);
