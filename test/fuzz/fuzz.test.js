// Short runs of `npm run fuzz` (fuzz/run.js): every decoder target for a few seconds must produce
// nothing but values and typed RpcErrors; and the fuzzer itself must find a planted exception, hang
// and heap blow-up (else a silent fuzzer would pass the first test forever).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runner = join(root, 'fuzz', 'run.js');

function fuzz(args) {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-fuzz-'));
  const r = spawnSync(process.execPath, [runner, '--json', '--corpus', join(dir, 'corpus'), '--crashes', join(dir, 'crashes'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let summary;
  try {
    summary = JSON.parse(last);
  } catch {
    assert.fail(`fuzz/run.js printed no summary (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, results: summary.results, dir };
}

test('every decoder target, ~2 s each: values and RpcErrors only, and the corpus grows', () => {
  const { status, results, dir } = fuzz(['--seconds', '22', '--timeout', '2000', '--heap', '256']);
  try {
    const findings = results.flatMap((r) => r.findings);
    assert.deepEqual(findings.map((f) => `${f.target} ${f.kind}: ${f.message}\n  ${f.reproduce}`), [], 'fuzz findings');
    assert.equal(status, 0);
    assert.ok(results.length >= 10, `${results.length} targets ran`);
    for (const r of results) {
      assert.ok(r.execs > 100, `${r.target} ran only ${r.execs} inputs`);
      assert.ok(r.kept > 0, `${r.target} kept no new input`);
      assert.equal(readdirSync(join(dir, 'corpus', r.target)).length, r.kept);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fuzzer finds a planted TypeError, hang, heap blow-up and frame-reader divergence, and saves each with a reproducer', () => {
  const planted = join(root, 'fuzz', 'planted-targets.js');
  const { status, results, dir } = fuzz(['--targets', planted, '--seconds', '7', '--timeout', '500', '--heap', '64']);
  try {
    assert.equal(status, 1);
    const kinds = Object.fromEntries(results.map((r) => [r.target, r.findings.map((f) => f.kind)]));
    assert.ok(kinds['planted-exception'].includes('exception'), JSON.stringify(kinds));
    assert.ok(kinds['planted-hang'].includes('timeout'), JSON.stringify(kinds));
    assert.ok(kinds['planted-oom'].includes('oom'), JSON.stringify(kinds));
    assert.ok(results.find((r) => r.target === 'planted-reader').findings.some((f) => f.message.startsWith('Error: frame reader:')), JSON.stringify(kinds));
    const tokens = { 'planted-exception': 'BUG', 'planted-hang': 'LOOP', 'planted-oom': 'GROW', 'planted-reader': '' };
    for (const r of results) {
      for (const f of r.findings) {
        assert.ok(existsSync(f.file), f.file);
        assert.ok(readFileSync(f.file).includes(tokens[r.target]), `${f.file} holds the input that failed`);
        // The printed command replays the failure from the saved file alone.
        const [, ...argv] = f.reproduce.split(' ');
        const again = spawnSync(process.execPath, argv, { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
        assert.equal(again.status, 1, `${f.reproduce}: ${again.stdout}${again.stderr}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
