// The `meshlet` command as a user runs it: a child process, its output and exit code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { endpoint } from '@meshlet/core';
import { Agent, loadAgentConfig } from '@meshlet/agent';
import { LocalRegistry } from '@meshlet/registry';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
// Asynchronous: the agent these tests talk to runs in this process and must keep answering.
const meshlet = (...args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
  execFile(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 }, (error, out, err) => {
    resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err });
  });
});

test('usage, unknown commands and bad flags: exit 2 or 1 with a message', async () => {
  assert.equal((await meshlet()).code, 2);
  assert.match((await meshlet('help')).out, /meshlet agent \[--config file\.json\]/);
  const unknown = await meshlet('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  const bad = await meshlet('agent', '--port', 'x');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /INVALID_ARGUMENT: --port must be a port/);
});

test('registry list: the providers of a service in a registry, and what an agent holds', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshlet-cli-'));
  const local = new LocalRegistry({ dir });
  await local.register({ service: { interface: 'demo.Echo', version: '1.0' }, endpoint: endpoint('dubbo', '10.0.0.7', 20880, { tag: 'gray' }), methods: ['echo'] });
  const agent = await Agent.start(loadAgentConfig({ env: {}, overrides: { registry: 'memory://', port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0 } }));
  try {
    const listed = await meshlet('registry', 'list', `local://${dir}`, 'demo.Echo', '--version', '1.0');
    assert.equal(listed.code, 0, listed.err);
    const line = JSON.parse(listed.out.trim());
    assert.equal(line.address, 'dubbo://10.0.0.7:20880');
    assert.equal(line.params.tag, 'gray');
    const fromAgent = await meshlet('registry', 'list', `meshlet://127.0.0.1:${agent.addresses.egress[0]}`);
    assert.equal(fromAgent.code, 0, fromAgent.err);
    assert.deepEqual(JSON.parse(fromAgent.out).body, { register_nodes: [], subscribe_nodes: [] });
  } finally {
    await agent.stop(0);
    await local.close();
  }
});
