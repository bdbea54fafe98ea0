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

test('usage, unknown commands and bad flags: every usage error exits 2 with a message', async () => {
  assert.equal((await meshlet()).code, 2);
  assert.match((await meshlet('help')).out, /meshlet agent \[--config file\.json\]/);
  const unknown = await meshlet('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  const bad = await meshlet('agent', '--port', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--port must be a port/);
  for (const argv of [['registry'], ['registry', 'show'], ['registry', 'list'], ['registry', 'list', 'zookeeper://127.0.0.1:1'], ['agent', 'stray'], ['registry', 'list', 'memory://', 'a.B', '--version']]) {
    const r = await meshlet(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /^meshlet \w+: .+\n\nmeshlet /, argv.join(' '));
  }
});

test('--help prints a command\'s usage and exits 0 without starting it', async () => {
  // Before, `meshlet agent --help` started an agent that ran until killed (the 20 s timeout here).
  const started = Date.now();
  const help = await meshlet('agent', '--help');
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /^meshlet agent \[--config file\.json\]/);
  assert.doesNotMatch(help.out, /^READY /m);
  assert.ok(Date.now() - started < 10_000);
  assert.match((await meshlet('registry', '-h')).out, /^meshlet registry list/);
  assert.match((await meshlet('help', 'registry')).out, /^meshlet registry list/);
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
    // Dubbo-style matching: a versioned provider is not listed without --version; the command
    // says none matched and fails rather than printing nothing and exiting 0.
    const unversioned = await meshlet('registry', 'list', `local://${dir}`, 'demo.Echo', '--wait', '500');
    assert.equal(unversioned.code, 1);
    assert.equal(unversioned.out, '');
    assert.match(unversioned.err, /no providers of demo\.Echo \(version unset, group unset\).*--version/);
    const fromAgent = await meshlet('registry', 'list', `meshlet://127.0.0.1:${agent.addresses.egress[0]}`);
    assert.equal(fromAgent.code, 0, fromAgent.err);
    assert.deepEqual(JSON.parse(fromAgent.out).body, { register_nodes: [], subscribe_nodes: [] });
  } finally {
    await agent.stop(0);
    await local.close();
  }
});
