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
// No retries: a test that fails once on a loaded machine has a timing bug to fix, and a retry would
// hide it (and real bugs with it). The spec reporter ends with every failing test, its file and line
// and its assertion. Files run one at a time (node 20's default concurrency on 2 cores). A file
// that hangs is cancelled after 20 minutes and reported by name (node 20 applies --test-timeout to
// each file's process), instead of holding CI until the job's own timeout; the whole suite takes
// about 10 minutes, a fleet file's first build with its downloads 2 to 3.
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=1200000', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
