// A new user's first hour, end to end: every workspace packed as npm would publish it, a fresh
// app outside the monorepo that installs only the tarballs the README example needs (and
// TypeScript), the README's files compiled exactly as printed, and provider and consumer run in
// two network namespaces joined by a veth pair. The example names no host, port or registry: the
// consumer finds the provider through the default `local` registry (files; the namespaces share the
// filesystem) and reaches it at the address the provider advertised, its veth address, since
// loopback in one namespace is not the other's. That is "reachable by default", off loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { netnsUnavailable, nodeIn, vethPair } from './lib/netns.js';
import { packAll, publishableWorkspaces, root, workspaceClosure } from './lib/pack.js';
import { readmeFreshAppMb, writeReadmeFiles } from './lib/readme.js';

const why = netnsUnavailable();
const work = mkdtempSync(join(tmpdir(), 'meshlet-fresh-app-'));
const app = join(work, 'app');
const cleanup = [() => rmSync(work, { recursive: true, force: true })];
let packed;
before(() => {
  mkdirSync(join(work, 'tarballs'));
  packed = packAll(join(work, 'tarballs'));
});
after(() => {
  for (const f of cleanup.reverse()) f();
});

test('every publishable workspace packs, with a README and without tests, fixtures or test support', () => {
  assert.deepEqual(packed.map((p) => p.name).sort(), publishableWorkspaces().map((w) => w.manifest.name).sort());
  for (const p of packed) {
    const stray = p.files.filter((f) => /\.test\.|\.fixture\.|\.test\.util\.|test-support|(^|\/)(testing|fixtures)\/|tsbuildinfo|(^|\/)src\//.test(f));
    assert.deepEqual(stray, [], `${p.name} ships test material`);
    assert.ok(p.files.includes('README.md'), `${p.name} has a README`);
    assert.ok(p.files.includes('package.json') && p.files.some((f) => f.endsWith('index.d.ts')), `${p.name} ships its types`);
  }
});

test('every publishable manifest has what npm and TypeScript users need', () => {
  for (const { dir, manifest: m } of publishableWorkspaces()) {
    const at = `${dir}/package.json`;
    for (const field of ['description', 'license', 'engines', 'keywords', 'types', 'exports', 'files']) assert.ok(m[field], `${at}: ${field}`);
    assert.equal(m.type, 'module', `${at}: type`);
    assert.deepEqual(Object.keys(m.repository ?? {}).sort(), ['directory', 'type', 'url'], `${at}: repository`);
    assert.equal(m.repository.directory, dir, `${at}: repository.directory`);
    for (const [sub, e] of Object.entries(m.exports)) {
      assert.equal(Object.keys(e)[0], 'types', `${at}: exports["${sub}"] lists types first`);
      assert.ok(e.import ?? e.default, `${at}: exports["${sub}"] has import/default`);
    }
    for (const bin of Object.values(typeof m.bin === 'string' ? { b: m.bin } : m.bin ?? {})) {
      assert.ok(readFileSync(join(root, dir, bin), 'utf8').startsWith('#!/usr/bin/env node'), `${at}: ${bin} keeps its shebang`);
    }
  }
});

test('the fresh app installs the packed meshlet-rpc (with typescript and @types/node), compiles the README verbatim, and is small', { timeout: 90_000 }, () => {
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2));
  const needed = new Set(workspaceClosure('meshlet-rpc'));
  const tarballs = packed.filter((p) => needed.has(p.name)).map((p) => p.filename);
  const { typescript, '@types/node': typesNode } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
  // --prefer-offline: the npm cache serves what earlier runs fetched (typescript, the few runtime deps).
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, `typescript@${typescript}`, `@types/node@${typesNode}`], { cwd: app, stdio: 'pipe' });
  const installed = new Set(readdirSync(join(app, 'node_modules')).flatMap((d) => (d.startsWith('@') ? readdirSync(join(app, 'node_modules', d)).map((s) => `${d}/${s}`) : [d])));
  for (const heavy of ['ioredis', 'node-zookeeper-client', '@grpc/grpc-js', '@opentelemetry/sdk-node', '@opentelemetry/sdk-trace-base']) {
    assert.ok(!installed.has(heavy), `${heavy} is optional and must not be installed by the README example`);
  }
  writeReadmeFiles(app);
  execFileSync(join(app, 'node_modules/.bin/tsc'), ['-p', app], { cwd: app, stdio: 'pipe' });

  const kb = Number(execFileSync('du', ['-sk', join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  const tsKb = Number(execFileSync('du', ['-sk', join(app, 'node_modules/typescript')], { encoding: 'utf8' }).split('\t')[0]);
  const stated = readmeFreshAppMb();
  console.log(`fresh app node_modules: ${(kb / 1024).toFixed(1)} MB (typescript ${(tsKb / 1024).toFixed(1)} MB); README states ${stated} MB`);
  assert.ok(stated !== undefined, 'the README states the fresh app\'s size');
  assert.ok(kb / 1024 <= stated * 1.2, `node_modules grew to ${(kb / 1024).toFixed(1)} MB; the README says ${stated} MB`);
});

test('a missing optional registry client is a typed error with its npm install line', { timeout: 20_000 }, () => {
  const script = join(app, 'optional-check.mjs');
  writeFileSync(script, `import { createRegistry } from 'meshlet-rpc';
for (const url of ['zookeeper://127.0.0.1:1', 'redis://127.0.0.1:1']) {
  const r = createRegistry(url);
  try { await r.subscribe({ interface: 'x' }, () => {}); console.log('subscribed'); }
  catch (e) { console.log(e.code + ' ' + e.message); }
  await r.close();
}
`);
  const out = execFileSync(process.execPath, [script], { cwd: app, encoding: 'utf8', timeout: 15_000 });
  assert.equal(out, [
    'INVALID_ARGUMENT the zookeeper registry needs the optional package node-zookeeper-client: npm install node-zookeeper-client@1.1.3',
    'INVALID_ARGUMENT the redis registry needs the optional package ioredis: npm install ioredis@6.0.0',
    '',
  ].join('\n'));
});

test('provider and consumer in two network namespaces: the consumer reaches the provider at its advertised veth address', { skip: why, timeout: 60_000 }, async () => {
  const net = vethPair();
  cleanup.push(net.delete);
  const tmp = join(work, 'tmp'); // os.tmpdir() of both processes: the local registry's folder, this run's own
  mkdirSync(tmp);
  const env = { ...process.env, TMPDIR: tmp };
  for (const k of Object.keys(env)) if (/^(MESHLET|DUBBO)_/.test(k)) delete env[k];

  const provider = nodeIn(net.a, ['provider.js'], { cwd: app, env });
  cleanup.push(() => void provider.stop());
  await provider.waitFor(/^serving$/m, 20_000);
  const [folder] = readdirSync(tmp).filter((d) => d.startsWith('meshlet-registry-'));
  const published = readdirSync(join(tmp, folder)).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(tmp, folder, f), 'utf8')).endpoint);
  assert.deepEqual(published.map((e) => `${e.protocol}://${e.host}:${e.port}`), [`dubbo://${net.addressA}:20880`], 'the provider registered its veth address');

  const consumer = nodeIn(net.b, ['consumer.js'], { cwd: app, env });
  cleanup.push(() => void consumer.stop());
  const { code } = await consumer.exited;
  assert.equal(code, 0, JSON.stringify(consumer.output()));
  assert.equal(consumer.output().stdout, 'Hello world\n');

  provider.child.kill('SIGINT');
  assert.equal((await provider.exited).code, 0, JSON.stringify(provider.output()));
});
