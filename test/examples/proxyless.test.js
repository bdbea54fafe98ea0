// `npm run demo:proxyless` (examples/proxyless/run.js) as a user runs it: the example's own xDS
// control plane drives a consumer configured by MESHLET_XDS alone — the canary split follows the
// weights (100/0, 80/20, 0/100), a tightened route timeout fails a slow call with TIMEOUT, an
// injected abort fault fails about half the calls UNAVAILABLE, and none once it is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../examples/proxyless/run.js', import.meta.url));

/** Each `consumer: N calls → v1 a (..), v2 b (..); failed CODE f (..)` line, parsed. */
function phases(out) {
  return [...out.matchAll(/^consumer: (\d+) calls → v1 (\d+) \([\d.]+ %\), v2 (\d+) \([\d.]+ %\)(?:; failed (.*))?$/gm)].map((m) => ({
    calls: Number(m[1]), v1: Number(m[2]), v2: Number(m[3]), failed: m[4],
  }));
}

test('the proxyless demo runs: xDS weights split the calls, a route timeout and a fault take effect and go', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const demo = spawn(process.execPath, [RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const [code] = await once(demo, 'exit');
  assert.equal(code, 0, out);
  assert.ok(Date.now() - started < 30_000, `the demo took ${Date.now() - started} ms`);
  assert.match(out, /control plane: ADS on 127\.0\.0\.1:\d+/);
  assert.match(out, /provider v1: com\.example\.shop\.Catalog listening on dubbo:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /provider v2: com\.example\.shop\.Catalog listening on dubbo:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /consumer: started with MESHLET_XDS=\S+bootstrap\.json and nothing else/);

  const [all1, canary, all2, faulted, healed] = phases(out);
  assert.equal(phases(out).length, 5, out);
  // 100/0 and 0/100 are exact; 80/20 over 1,000 calls has σ ≈ 12.6 calls: ±60 is over 4σ.
  assert.deepEqual(all1, { calls: 1000, v1: 1000, v2: 0, failed: undefined });
  assert.equal(canary.failed, undefined, out);
  assert.equal(canary.v1 + canary.v2, 1000);
  assert.ok(Math.abs(canary.v2 - 200) <= 60, `80/20: ${JSON.stringify(canary)}`);
  assert.deepEqual(all2, { calls: 1000, v1: 0, v2: 1000, failed: undefined });

  // The route timeout: 3 s lets a 300 ms call answer; 100 ms fails it with the typed TIMEOUT.
  assert.match(out, /consumer: slow\(300\) → v2 answered after \d+ ms/);
  const timedOut = /consumer: slow\(300\) → RpcError TIMEOUT after (\d+) ms: .*timed out after \d+ ms/.exec(out);
  assert.ok(timedOut, out);
  // At the route's 100 ms, not the reference's 3 s (the bound is loose for a loaded machine's timers).
  assert.ok(Number(timedOut[1]) >= 90 && Number(timedOut[1]) < 1000, `timed out after ${timedOut[1]} ms`);

  // The fault: 50 % aborted as UNAVAILABLE (σ ≈ 15.8 calls: ±70 is over 4σ), the rest answered; then none.
  const failed = /^UNAVAILABLE (\d+) \([\d.]+ %: "fault injected by the control plane into com\.example\.shop\.Catalog\.version"\)$/.exec(faulted.failed ?? '');
  assert.ok(failed, `faulted phase: ${JSON.stringify(faulted)}`);
  assert.equal(Number(failed[1]) + faulted.v2, 1000);
  assert.equal(faulted.v1, 0);
  assert.ok(Math.abs(Number(failed[1]) - 500) <= 70, `50 % fault: ${JSON.stringify(faulted)}`);
  assert.deepEqual(healed, { calls: 1000, v1: 0, v2: 1000, failed: undefined });

  assert.match(out, /demo: done/);
  assert.doesNotMatch(out, /NACK|exited early|did not finish|(?<!Deprecation)Warning/);
});
