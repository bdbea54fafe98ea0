#!/usr/bin/env node
// `npm run demo:proxyless`: a proxyless mesh over xDS, Node only. This process runs a small
// EXAMPLE control plane (an ADS server on grpc-js; in production: Istio or go-control-plane) and
// starts two versions of one service and a consumer configured by MESHLET_XDS alone. Then the
// control plane shifts a canary (100/0 -> 80/20 -> 0/100), tightens the route timeout, injects a
// fault and removes it; the consumer prints what each change did to its calls.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AdsServer, resourcesInUse, serviceSnapshot } from './dist/control-plane/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SERVICE = 'com.example.shop.Catalog';
const CALLS = 1000;
const children = [];
const deadline = setTimeout(() => fail('did not finish in 30 s'), 30_000);

function fail(why) {
  console.error(`demo: ${why}`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}

// The children get no Meshlet or xDS settings from this shell (a MESHLET_AGENT or MESHLET_REGISTRY
// there would change what they do): only what is passed below.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MESHLET_|GRPC_XDS_)/.test(name)));

/** Starts `file` with `args`; its stdout lines are printed and handed to `onLine`. */
function start(file, args, env, onLine) {
  const child = spawn(process.execPath, [join(here, 'dist', file), ...args], { env: { ...baseEnv, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  child.once('exit', (code, signal) => { if (!stopping) fail(`${file} ${args.join(' ')} exited early (${signal ?? code})`); });
  createInterface({ input: child.stdout }).on('line', (line) => { console.log(line); onLine(line); });
  return child;
}

/** A provider version; resolves with its port once it listens. */
function provider(version) {
  return new Promise((resolve) => start('provider.js', [version], {}, (line) => {
    const port = /listening on dubbo:\/\/[^:]+:(\d+)/.exec(line)?.[1];
    if (port) resolve(Number(port));
  }));
}

let stopping = false;
const controlPlane = new AdsServer();
const address = await controlPlane.start();
console.log(`control plane: ADS on ${address} (an example control plane: use Istio or go-control-plane in production)`);
const [v1, v2] = await Promise.all([provider('v1'), provider('v2')]);
const ports = { 'catalog-v1': v1, 'catalog-v2': v2 };

/** Serves the route `spec`, says what changed, and waits until the consumer holds (has ACKed) all it uses. */
async function apply(what, spec) {
  const version = controlPlane.set(serviceSnapshot(SERVICE, spec, ports));
  console.log(`\ncontrol plane: ${what} (version ${version})`);
  await controlPlane.acked(resourcesInUse(SERVICE, spec));
}
const weights = (a, b) => ({ 'catalog-v1': a, 'catalog-v2': b });
let route = { weights: weights(100, 0), timeoutMs: 3000 };
const first = apply('canary v1 100 % / v2 0 %, route timeout 3 s', route);

// The consumer knows only where the control plane is: a gRPC xDS bootstrap file.
const bootstrap = join(mkdtempSync(join(tmpdir(), 'meshlet-proxyless-')), 'bootstrap.json');
writeFileSync(bootstrap, JSON.stringify({
  xds_servers: [{ server_uri: address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: { id: 'shop-frontend~demo', cluster: 'shop-frontend', locality: { zone: 'a' } },
}, null, 2));
console.log(`consumer: started with MESHLET_XDS=${bootstrap} and nothing else`);
let answered;
const consumer = start('consumer.js', [], { MESHLET_XDS: bootstrap }, (line) => answered?.(line));
/** Sends the consumer one command; resolves with its one-line answer (printed already). */
const ask = (command) => new Promise((resolve) => { answered = resolve; consumer.stdin.write(`${command}\n`); });

try {
  await first;
  await ask(`calls ${CALLS}`);
  await apply('canary v1 80 % / v2 20 %', route = { ...route, weights: weights(80, 20) });
  await ask(`calls ${CALLS}`);
  await apply('canary v1 0 % / v2 100 %', route = { ...route, weights: weights(0, 100) });
  await ask(`calls ${CALLS}`);
  await ask('slow 300');
  await apply('route timeout 3 s -> 100 ms', route = { ...route, timeoutMs: 100 });
  await ask('slow 300');
  const fault = { abort: { grpcStatus: 14, percentage: { numerator: 50, denominator: 'HUNDRED' } } };
  await apply('fault injected: abort 50 % of calls with gRPC status 14 (UNAVAILABLE); route timeout back to 3 s', route = { ...route, timeoutMs: 3000, fault });
  await ask(`calls ${CALLS}`);
  await apply('fault removed', route = { ...route, fault: undefined });
  await ask(`calls ${CALLS}`);
} catch (err) {
  fail(err.message);
}

stopping = true;
consumer.stdin.end('stop\n');
await new Promise((resolve) => consumer.once('exit', resolve));
for (const child of children.slice(0, 2)) child.kill('SIGTERM');
await Promise.all(children.slice(0, 2).map((child) => child.exitCode !== null || new Promise((resolve) => child.once('exit', resolve))));
controlPlane.stop();
clearTimeout(deadline);
console.log('\ndemo: done');
