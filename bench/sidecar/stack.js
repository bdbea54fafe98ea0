#!/usr/bin/env node
// The server side of the sidecar bench rows: a conformance provider behind one or two Meshlet
// agents, all separate processes, found through a fresh `local` registry.
//   node bench/sidecar/stack.js --agents 1   provider (direct) ← agent A
//   node bench/sidecar/stack.js --agents 2   provider (sidecar via B) ← agent B ← agent A
// Prints `READY <port of agent A>` (a consumer sets MESHLET_AGENT=meshlet://127.0.0.1:<port>);
// on SIGTERM stops its children and exits.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const agents = Number(process.argv[process.argv.indexOf('--agents') + 1] ?? 1);
const protocol = process.argv.includes('--protocol') ? process.argv[process.argv.indexOf('--protocol') + 1] : 'dubbo';
const registry = `local://${mkdtempSync(path.join(os.tmpdir(), 'meshlet-bench-sidecar-'))}`;
const children = [];

function start(args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^READY (.*)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
}

const agent = async () => JSON.parse(await start(['packages/cli/dist/main.js', 'agent', '--registry', registry, '--port', '0', '--http-port', '0', '--ingress-host', '127.0.0.1', '--ingress-port', '0'])).egress[0];
const provider = (env) => start(['examples/conformance/provider.js', '--protocol', protocol, '--port', '0', '--registry', registry], env);

try {
  if (agents === 1) {
    await provider({ MESHLET_AGENT: 'off' });
  } else {
    const b = await agent();
    await provider({ MESHLET_AGENT: `meshlet://127.0.0.1:${b}` });
  }
  const a = await agent();
  console.log(`READY ${a}`);
} catch (err) {
  console.error(`stack: ${err.message}`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(0), 1500).unref();
    Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined))).then(() => process.exit(0));
  });
}
