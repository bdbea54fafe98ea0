#!/usr/bin/env node
// `npm run demo:dubbo3`: starts a Meshlet provider exporting a protobuf service over Triple
// (tri://), then calls it from two other processes: a Meshlet consumer that finds it through the
// local registry (files on this host, no server), and a plain grpc-js client given its address,
// as a Go or Java gRPC client would dial it. Prints what each gets, then stops the provider.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
// A fresh registry directory, so entries from earlier runs cannot interfere.
const env = { ...process.env, MESHLET_LOCAL_REGISTRY_DIR: mkdtempSync(join(tmpdir(), 'meshlet-dubbo3-registry-')) };

const provider = spawn(process.execPath, [join(here, 'dist/provider.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let providerOut = '';
const address = new Promise((resolve, reject) => {
  provider.stdout.setEncoding('utf8');
  provider.stdout.on('data', (text) => {
    process.stdout.write(text);
    providerOut += text;
    const found = /listening on tri:\/\/([^,\s]+)/.exec(providerOut);
    if (found) resolve(found[1]);
  });
  provider.once('exit', (code) => reject(new Error(`provider exited early (${code})`)));
});
const timer = setTimeout(() => { provider.kill('SIGKILL'); console.error('demo: provider did not start in 15 s'); process.exit(1); }, 15_000);
const target = await address;
clearTimeout(timer);

async function run(file, args = []) {
  const child = spawn(process.execPath, [join(here, 'dist', file), ...args], { env, stdio: 'inherit' });
  const kill = setTimeout(() => { console.error(`demo: ${file} did not finish in 20 s`); child.kill('SIGKILL'); }, 20_000);
  const [code] = await new Promise((resolve) => child.once('exit', (...a) => resolve(a)));
  clearTimeout(kill);
  return code ?? 1;
}

const consumer = await run('consumer.js');
const grpcClient = await run('grpc-client.js', [target]);
provider.kill('SIGTERM');
await new Promise((resolve) => provider.once('exit', resolve));
process.exit(consumer || grpcClient);
