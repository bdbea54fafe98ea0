// The conformance kit of CONFORMANCE.md, Meshlet against Meshlet, as separate processes: every
// case passes, load mode prints its JSON line, SIGTERM stops the provider gracefully with exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const kit = fileURLToPath(new URL('../../examples/conformance/', import.meta.url));

function run(script, args, ms = 120_000) {
  const child = spawn(process.execPath, [kit + script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return { code, stdout, stderr };
  });
}

async function startProvider(protocol) {
  const child = spawn(process.execPath, [kit + 'provider.js', '--protocol', protocol, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('provider: no READY in 15 s')), 15_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /^READY (\d+)$/m.exec(buf);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => reject(new Error(`provider exited ${code}`)));
  });
  return { child, port };
}

// Motan2 twice: the consumer's serialization comes from the target's `serialization` parameter
// (as from a Motan registry URL); the provider answers in the request's.
for (const [protocol, query] of [['dubbo', ''], ['bolt', ''], ['motan2', ''], ['motan2', '?serialization=breeze'], ['rsocket', ''], ['tri', '']]) {
  test(`conformance kit, ${protocol}${query}: all cases pass; bench mode; graceful SIGTERM`, async () => {
    const { child, port } = await startProvider(protocol);
    try {
      const result = await run('consumer.js', ['--protocol', protocol, '--target', `127.0.0.1:${port}${query}`]);
      const lines = result.stdout.trim().split('\n');
      const summary = lines.at(-1);
      const failed = lines.filter((l) => l.startsWith('{') && !JSON.parse(l).ok);
      assert.deepEqual(failed, []);
      assert.match(summary, /^\d+ passed, 0 failed$/);
      assert.ok(Number(summary.split(' ')[0]) >= 25);
      assert.equal(result.code, 0, result.stderr);

      const bench = await run('consumer.js', ['--protocol', protocol, '--target', `127.0.0.1:${port}${query}`, '--bench', '--seconds', '1', '--concurrency', '16']);
      assert.equal(bench.code, 0, bench.stderr);
      const line = JSON.parse(bench.stdout.trim().split('\n').at(-1));
      assert.deepEqual(Object.keys(line).sort(), ['calls', 'errors', 'p50_ms', 'p99_ms', 'qps', 'rss_mb']);
      assert.ok(line.calls > 0 && line.errors === 0);
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, 'provider exits 0 on SIGTERM');
    }
  });
}

test('the README demo runs: two processes, the local registry, real calls', async () => {
  const demo = spawn(process.execPath, [fileURLToPath(new URL('../../examples/quickstart/run.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const [code] = await once(demo, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /consumer: Hello world, from Meshlet pid \d+/);
  assert.match(out, /count 9007199254740993/);
  assert.match(out, /provider: deregistered, drained, stopped/);
});
