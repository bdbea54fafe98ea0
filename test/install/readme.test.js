// The README's "A service in thirty lines", exactly as printed, compiled against this checkout and
// run as two processes: a provider and a consumer that finds it through the default (local)
// registry. They run in a network namespace of their own (loopback only), so the default port
// 20880 never meets another suite's; the two-host version is fresh-app.test.js.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { loopbackNamespace, netnsUnavailable, nodeIn } from './lib/netns.js';
import { readmeFiles, writeReadmeFiles } from './lib/readme.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanup = [];
after(() => {
  for (const f of cleanup.reverse()) f();
});

test('the README marks a tsconfig, a contract, a provider and a consumer', () => {
  assert.deepEqual(Object.keys(readmeFiles()).sort(), ['consumer.ts', 'demo-service.ts', 'provider.ts', 'tsconfig.json']);
});

const why = netnsUnavailable();
test('the README example runs verbatim: provider and consumer processes, found through the local registry', { skip: why, timeout: 60_000 }, async () => {
  // Inside the checkout, so `meshlet-rpc` resolves to the workspace package.
  const app = mkdtempSync(join(root, 'test/install/.readme-'));
  cleanup.push(() => rmSync(app, { recursive: true, force: true }));
  writeReadmeFiles(app);
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', app], { cwd: app, stdio: 'pipe' });
  const tmp = join(app, 'tmp'); // the local registry lives under os.tmpdir(): this run's own
  mkdirSync(tmp);
  const ns = loopbackNamespace();
  cleanup.push(ns.delete);
  const env = { ...process.env, TMPDIR: tmp };
  for (const k of ['MESHLET_REGISTRY', 'MESHLET_AGENT', 'MESHLET_IP_TO_REGISTRY', 'MESHLET_IP_TO_BIND', 'MESHLET_HOST', 'DUBBO_IP_TO_REGISTRY', 'DUBBO_IP_TO_BIND']) delete env[k];

  const provider = nodeIn(ns.name, ['provider.js'], { cwd: app, env });
  cleanup.push(() => void provider.stop());
  await provider.waitFor(/^serving$/m, 20_000);
  const consumer = nodeIn(ns.name, ['consumer.js'], { cwd: app, env });
  cleanup.push(() => void consumer.stop());
  const { code } = await consumer.exited;
  assert.equal(code, 0, JSON.stringify(consumer.output()));
  assert.equal(consumer.output().stdout, 'Hello world\n');

  provider.child.kill('SIGINT');
  const exit = await provider.exited;
  assert.equal(exit.code, 0, `the provider stops on SIGINT: ${JSON.stringify(provider.output())}`);
});
