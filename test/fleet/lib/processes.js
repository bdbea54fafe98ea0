// Peer processes for the fleet suite. Every peer, Java, Go or Meshlet, follows the conformance kit's
// conventions (CONFORMANCE.md): a provider prints `READY <port>` once it serves and stops gracefully
// on SIGTERM; a consumer prints one JSON line per case and a last line `N passed, N failed`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './cache.js';

const conformance = join(root, 'examples', 'conformance');

/**
 * Peers run in a scratch folder: some write beside themselves (motan-go's registry snapshots in
 * ./snapshot, Java logs), and none of that belongs in the work tree.
 */
export const scratch = mkdtempSync(join(tmpdir(), 'meshlet-fleet-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Starts a long-running peer; resolves once it prints `READY <port>` (within `readyMs`). `stop()`
 * sends SIGTERM and waits for the exit (SIGKILL after `graceMs`), resolving with the exit code.
 */
export async function startPeer(cmd, args, { env, readyMs = 60_000, name = cmd } = {}) {
  const child = spawn(cmd, args, { cwd: scratch, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no READY within ${readyMs} ms\n${out.slice(-3000)}\n${err}`));
    }, readyMs);
    const onData = () => {
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited ${signal ?? code} before READY\n${out.slice(-3000)}\n${err}`));
    });
  });
  const exited = once(child, 'exit');
  return {
    child,
    port,
    output: () => out,
    errors: () => err,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code, signal] = await exited;
      clearTimeout(timer);
      return signal ?? code;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Runs a consumer to completion. Resolves with its JSON case lines, its summary counts and raw
 * output; rejects when it runs past `ms`.
 */
export async function runConsumer(cmd, args, { env, ms = 180_000, name = cmd } = {}) {
  const child = spawn(cmd, args, { cwd: scratch, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  const lines = out.split('\n');
  const cases = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const summary = lines.map((l) => /^(\d+) passed, (\d+) failed$/.exec(l.trim())).filter(Boolean).pop();
  return { code: signal ?? code, cases, passed: summary ? Number(summary[1]) : 0, failed: summary ? Number(summary[2]) : -1, out, err, name };
}

/**
 * Asserts that a consumer run passed every case and ran at least `min` of them; a failing run's
 * message lists each failed case with what differed.
 */
export function assertAllPassed(result, min = 1) {
  const bad = result.cases.filter((c) => !c.ok);
  assert.deepEqual(bad, [], `${result.name}: ${bad.length} case(s) failed:\n${bad.map((c) => JSON.stringify(c)).join('\n')}\n${result.err}`);
  assert.equal(result.failed, 0, `${result.name}: no summary line or failures\n${result.out.slice(-2000)}\n${result.err}`);
  assert.ok(result.passed >= min, `${result.name}: only ${result.passed} cases ran (expected >= ${min})`);
  assert.equal(result.code, 0, `${result.name} exited ${result.code}\n${result.err}`);
}

/** The conformance kit's Meshlet provider (examples/conformance/provider.js). */
export function meshletProvider(protocol, { port = 0, registry, env, extra = [] } = {}) {
  const args = [join(conformance, 'provider.js'), '--protocol', protocol, '--port', String(port), ...(registry ? ['--registry', registry] : []), ...extra];
  return startPeer(process.execPath, args, { env, name: `meshlet ${protocol} provider` });
}

/** The conformance kit's Meshlet consumer against `target` (host:port) or a registry. */
export function meshletConsumer(protocol, { target, registry, env, extra = [] } = {}) {
  const args = [join(conformance, 'consumer.js'), '--protocol', protocol, ...(target ? ['--target', target] : []), ...(registry ? ['--registry', registry] : []), ...extra];
  return runConsumer(process.execPath, args, { env, name: `meshlet ${protocol} consumer` });
}

/** Reads lines from a child's stdout until one matches; bounded. */
export function waitForLine(child, re, ms = 60_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} in ${ms} ms:\n${buf.slice(-2000)}`)), ms);
    const onData = (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
  });
}

/**
 * Stops, newest first, everything a test file started (peers: kill; Meshlets: stop; relays and
 * servers: close), ignoring what is already gone: for `after` hooks, so a failed test leaks nothing.
 */
export async function stopAll(started) {
  for (const x of started.reverse()) {
    try {
      if (x.kill) x.kill();
      else if (x.stop) await x.stop(0);
      else if (x.close) await x.close();
    } catch { /* already gone */ }
  }
}
