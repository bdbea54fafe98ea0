// @meshlet/nestjs README's example, exactly as printed: its `ts file=NAME` blocks are written into
// an app folder, type-checked and compiled with tsc as a Nest app compiles (experimentalDecorators,
// emitDecoratorMetadata), and run as two Nest app processes that find each other through the
// default local registry. They run in a loopback-only network namespace of their own, so the
// default Dubbo port never meets another suite's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { loopbackNamespace, netnsUnavailable, nodeIn } from '../install/lib/netns.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const README = join(root, 'packages/nestjs/README.md');
const BLOCK = /```ts file=([\w.-]+)\n([\s\S]*?)\n```/g;

/** The app's own tsconfig: what `nest new` sets that matters here, on Node's ESM. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true,
    experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'],
  },
  include: ['*.ts'],
};

function readmeFiles() {
  const files = {};
  for (const [, name, body] of readFileSync(README, 'utf8').matchAll(BLOCK)) {
    if (files[name] !== undefined) throw new Error(`the README marks two blocks as ${name}`);
    files[name] = `${body}\n`;
  }
  return files;
}

const cleanup = [];
after(() => {
  for (const f of cleanup.reverse()) f();
});

test('the @meshlet/nestjs README holds a contract, a provider app and a consumer app', () => {
  assert.deepEqual(Object.keys(readmeFiles()).sort(), ['consumer.ts', 'demo.contract.ts', 'provider.ts']);
});

const why = netnsUnavailable();
test('the @meshlet/nestjs README example runs verbatim: two Nest app processes, SIGTERM drains and exits', { skip: why, timeout: 90_000 }, async () => {
  // Inside the checkout, so the packages resolve to the workspace's.
  const app = mkdtempSync(join(root, 'test/nestjs/.readme-'));
  cleanup.push(() => rmSync(app, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(readmeFiles())) writeFileSync(join(app, name), text);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  try {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', app], { cwd: app, stdio: 'pipe' });
  } catch (err) {
    assert.fail(`the README example does not compile:\n${err.stdout}${err.stderr}`);
  }
  const tmp = join(app, 'tmp'); // the local registry lives under os.tmpdir(): this run's own
  mkdirSync(tmp);
  const ns = loopbackNamespace();
  cleanup.push(ns.delete);
  const env = { ...process.env, TMPDIR: tmp };
  for (const k of Object.keys(env)) if (/^(MESHLET|DUBBO)_/.test(k)) delete env[k];

  const provider = nodeIn(ns.name, ['provider.js'], { cwd: app, env });
  cleanup.push(() => void provider.stop());
  await provider.waitFor(/exporting org\.apache\.dubbo\.demo\.DemoService/, 30_000);
  const consumer = nodeIn(ns.name, ['consumer.js'], { cwd: app, env });
  cleanup.push(() => void consumer.stop());
  const { code } = await consumer.exited;
  assert.equal(code, 0, JSON.stringify(consumer.output()));
  assert.match(consumer.output().stdout, new RegExp(`^Hello world, from ${new Date().getFullYear()}$`, 'm'));

  provider.child.kill('SIGTERM');
  const exit = await provider.exited;
  assert.equal(exit.signal, 'SIGTERM', `Nest re-raises SIGTERM after its hooks: ${JSON.stringify(provider.output())}`);
});
