#!/usr/bin/env node
// Runs every `*.test.js` (compiled package tests and top-level suites) with node's test runner.
// Files are listed explicitly: given a directory, node --test would also run every .js under any
// `test/` folder, peer scripts included.
import { spawnSync } from 'node:child_process';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
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

const NACOS_BUILD_TEST = 'nacos-build.test.js';
const packages = readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'dist'));
const files = [...packages.flatMap((d) => { try { return find(d); } catch { return []; } }), ...find(join(root, 'test'))]
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
// The Nacos suites go last, the one that waits for their server's background build first.
const nacosFiles = new Set(files.filter(needsNacos));
files.sort((a, b) => nacosRank(a) - nacosRank(b));
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
Object.assign(process.env, startNacosBuild());
// No retries: a test that fails once on a loaded machine has a timing bug to fix, and a retry would
// hide it (and real bugs with it). The spec reporter ends with every failing test, its file and line
// and its assertion. Files run one at a time, in the order above (`node --test` would sort them by
// name: run() keeps it). A file that hangs is cancelled after 20 minutes and reported by name (the
// timeout applies to each file's process), instead of holding CI until the job's own timeout.
process.chdir(root);
const stream = run({ files: files.map((f) => join(root, f)), concurrency: 1, timeout: 20 * 60_000 });
// The exit status `node --test` would give: failed or cancelled tests in the final summary.
const summary = { fail: 0, cancelled: 0 };
stream.on('test:diagnostic', ({ nesting, message }) => {
  const m = nesting === 0 && /^(fail|cancelled) (\d+)$/.exec(message);
  if (m) summary[m[1]] = Number(m[2]);
});
stream.on('end', () => {
  process.exitCode = summary.fail + summary.cancelled > 0 ? 1 : 0;
});
stream.compose(spec).pipe(process.stdout);

/** A suite that starts a Nacos server (or is the build test): it names the harness's helpers. */
function needsNacos(file) {
  return /NacosServer|nacosServerMissing/.test(readFileSync(join(root, file), 'utf8'));
}

function nacosRank(file) {
  if (!nacosFiles.has(file)) return 0;
  return file.endsWith(NACOS_BUILD_TEST) ? 1 : 2;
}

/**
 * Starts scripts/nacos-server.sh niced in the background when a selected suite needs the Nacos
 * server and it is not built yet (about 6 minutes of one core); test/registry/nacos-build.test.js,
 * the first of the Nacos files, waits for the status file the build writes when it ends. (A status
 * file, not the pid: the build is a grandchild that outlives the shell that starts it.) Returns
 * the environment that tells that test where the status and log are.
 */
function startNacosBuild() {
  if (process.env.MESHLET_NACOS_SERVER || nacosFiles.size === 0) return {};
  const cache = join(homedir(), '.cache', 'meshlet');
  if (existsSync(join(cache, 'rnacos', 'bin', 'rnacos'))) return {};
  mkdirSync(cache, { recursive: true });
  const log = join(cache, 'rnacos-build.log');
  const status = join(cache, 'rnacos-build.status');
  rmSync(status, { force: true });
  const script = join(root, 'scripts', 'nacos-server.sh');
  spawnSync('bash', ['-c', `(nice -n 10 bash "${script}" > "${log}" 2>&1; echo $? > "${status}") &`], { cwd: root, stdio: 'ignore' });
  return { MESHLET_NACOS_BUILD_STATUS: status, MESHLET_NACOS_BUILD_LOG: log };
}
