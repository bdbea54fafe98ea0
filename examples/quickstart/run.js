#!/usr/bin/env node
// `npm run demo`: starts the provider and the consumer as two processes that find each other
// through the local registry (files on this host, no server), then stops the provider.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
// A fresh registry directory, so stale entries from earlier runs cannot interfere.
const env = { ...process.env, MESHLET_LOCAL_REGISTRY_DIR: process.env.MESHLET_LOCAL_REGISTRY_DIR ?? mkdtempSync(join(tmpdir(), 'meshlet-demo-')) };

const provider = spawn(process.execPath, [join(here, 'dist/provider.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const ready = new Promise((resolve, reject) => {
  provider.stdout.setEncoding('utf8');
  provider.stdout.on('data', (text) => {
    process.stdout.write(text);
    if (text.includes('listening')) resolve();
  });
  provider.once('exit', (code) => reject(new Error(`provider exited early (${code})`)));
});
const timer = setTimeout(() => { provider.kill('SIGKILL'); console.error('demo: provider did not start in 15 s'); process.exit(1); }, 15_000);
await ready;
clearTimeout(timer);

const consumer = spawn(process.execPath, [join(here, 'dist/consumer.js')], { env, stdio: 'inherit' });
const code = await new Promise((resolve) => consumer.once('exit', resolve));
provider.kill('SIGTERM');
await new Promise((resolve) => provider.once('exit', resolve));
process.exit(code ?? 1);
