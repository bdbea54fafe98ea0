#!/usr/bin/env node
// Runs every `*.test.js` (compiled package tests and top-level suites) with node's test runner.
// Files are listed explicitly: given a directory, node --test would also run every .js under any
// `test/` folder, peer scripts included.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv.slice(2);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const packages = readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'dist'));
const files = [...packages.flatMap((d) => { try { return find(d); } catch { return []; } }), ...find(join(root, 'test'))]
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
