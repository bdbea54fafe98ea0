// Shared by the sidecar suites: agent and app processes (each started and stopped by the test),
// their READY lines, the agent's status, and (from test/helpers.js) a bounded call loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../helpers.js';

export { callLoop, sleep } from '../helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(root, 'packages/cli/dist/main.js');
export const KIT = path.join(root, 'examples/conformance/');
const live = new Set();

process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `node <args>`; resolves once stdout has a line matching `ready`, with its match. */
export function startProcess(args, { env = {}, ready = /^READY (.*)$/m, timeoutMs = 20_000, name = path.basename(args[0]) } = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not READY within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    const check = () => {
      const m = ready.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(m);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before READY\n${stderr}`));
    });
  });
  started.catch(() => {});
  return {
    child,
    started,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    /** SIGTERM (graceful) or SIGKILL; resolves with the exit code once it is gone. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/**
 * A Meshlet agent process (`meshlet agent`) on loopback. Ports default to 0 (the OS picks); give
 * them to restart an agent where it was.
 */
export async function startAgent({ registry, port = 0, httpPort = 0, ingressPort = 0, config, env = {} }) {
  const args = [CLI, 'agent', '--registry', registry, '--host', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort),
    '--ingress-host', '127.0.0.1', '--ingress-port', String(ingressPort)];
  if (config) args.push('--config', config);
  const p = startProcess(args, { env, name: 'agent' });
  const [, json] = await p.started;
  const addresses = JSON.parse(json);
  return {
    ...p,
    addresses,
    port: addresses.egress[0],
    httpPort: addresses.http[0],
    ingressPort: addresses.ingress,
    /** What an app puts in MESHLET_AGENT to use this agent. */
    url: `meshlet://127.0.0.1:${addresses.egress[0]}?health=500&healthTimeout=500`,
    status: () => fetch(`http://127.0.0.1:${addresses.http[0]}/status`).then((r) => r.json()),
  };
}

/** Runs `node <args>` to completion: exit code, stdout, stderr. */
export async function run(args, { env = {}, timeoutMs = 60_000 } = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  live.delete(child);
  return { code, signal, stdout, stderr };
}

/** A fresh directory for a `local` registry the processes of one test share. */
export async function localRegistry() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-sidecar-'));
  return `local://${dir}`;
}

/** Environment of an app process: sidecar mode through `agent`, or direct mode (`MESHLET_AGENT=off`). */
export const sidecarEnv = (agent) => ({ MESHLET_AGENT: agent ? agent.url : 'off' });

export async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
