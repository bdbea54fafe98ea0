// Dubbo's routing rules from a Nacos config centre (r-nacos, a Nacos-protocol server; see
// packages/registry/src/testing/nacos-server.ts), applied to a Meshlet consumer that found its
// providers through the same Nacos: a condition rule published as Java's NacosDynamicConfiguration
// keeps it (data id {interface}:{version}:{group}.condition-router, group dubbo) moves every call that
// begins under it, with 128 in flight and none failing; removed, the calls spread again. And Apache
// Dubbo 3.3.6 (nacos-client 2.5.1 over gRPC; test/fleet/java/dubbo3 RuleConsumer) takes the same
// rule from the same Nacos and routes as Meshlet does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime, defineService, t } from '@meshlet/core';
import { createConfigSource, createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { spawn } from 'node:child_process';
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { javaArgs } from '../fleet/lib/maven.js';
import { scratch, waitForLine } from '../fleet/lib/processes.js';
import { dubboPeer, JVM } from '../fleet/dubbo/peer.js';

const Echo = defineService({ interface: 'com.meshlet.test.NacosRouteEcho', version: '1.0.0', methods: { echo: { params: [t.string], returns: t.string } } });
const RULE = 'com.meshlet.test.NacosRouteEcho:1.0.0:.condition-router';

async function waitFor(condition, ms, what) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('routing rules from Nacos', { skip: nacosServerMissing(), timeout: 120_000 }, () => {
  let server;
  const providers = [];
  const closing = [];

  before(async () => {
    // r-nacos 0.8.8 now and then panics while starting on an empty data dir: one more try.
    server = await NacosServer.start().catch(() => NacosServer.start());
    for (let i = 0; i < 3; i++) {
      const p = createRuntime({ application: 'nacos-route-echo', protocols: [dubbo()], registry: createRegistry(server.url('?beat=500')), server: { host: '127.0.0.1', port: 0 } });
      p.provide(Echo, { echo: async (s) => `${i}:${s}` });
      await p.start();
      providers.push(p);
    }
  });

  after(async () => {
    await Promise.allSettled(providers.map((p) => p.stop(500)));
    await Promise.allSettled(closing.map((c) => c.close()));
    await server?.close();
  });

  test('a condition rule published to Nacos moves a consumer\'s calls (128 in flight, none failed); removed, they spread again', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    const writer = createConfigSource(server.url());
    closing.push(writer);
    const consumer = createRuntime({ application: 'web', protocols: [dubbo()], registry: createRegistry(server.url('?refresh=300')), configSource: createConfigSource(server.url()) });
    const echo = consumer.refer(Echo, { timeout: 10_000 });
    const calls = [];
    const failures = [];
    let running = true;
    const loops = Array.from({ length: 128 }, async (_, i) => {
      while (running) {
        const state = consumer.rule(RULE) === undefined ? 'none' : 'rule';
        try {
          const answer = await echo.echo(`c${i}`);
          calls.push({ state, provider: Number(answer.slice(0, answer.indexOf(':'))) });
        } catch (e) {
          failures.push(`${e?.code} ${e?.message}`);
        }
      }
    });
    try {
      await waitFor(() => new Set(calls.map((c) => c.provider)).size === 3, 30_000, 'calls reaching all three providers');
      const t0 = performance.now();
      await writer.publish(RULE, undefined, `configVersion: v3.0\nscope: service\nforce: true\nconditions:\n  - method = echo => port = ${ports[2]}\n`);
      await waitFor(() => consumer.rule(RULE) !== undefined, 10_000, 'the rule to reach the consumer');
      t.diagnostic(`rule in force ${(performance.now() - t0).toFixed(0)} ms after the publish`);
      const at = calls.length;
      await waitFor(() => calls.length > at + 2000, 30_000, 'calls under the rule');
      await writer.remove(RULE, undefined);
      await waitFor(() => consumer.rule(RULE) === undefined, 10_000, 'the removal to reach the consumer');
      const removedAt = calls.length;
      await waitFor(() => calls.length > removedAt + 2000 && new Set(calls.slice(removedAt).filter((c) => c.state === 'none').map((c) => c.provider)).size === 3, 30_000, 'calls spread again');
    } finally {
      running = false;
      await Promise.all(loops);
      await consumer.stop(500);
    }
    assert.deepEqual(failures, [], 'no call failed');
    const under = calls.filter((c) => c.state === 'rule');
    assert.ok(under.length > 2000, `${under.length} calls began under the rule`);
    assert.deepEqual([...new Set(under.map((c) => c.provider))], [2], 'every call that began under the rule went to provider 2');
  });
});

describe('Java Dubbo 3.3.6 and Meshlet take the same rule from Nacos', { skip: nacosServerMissing(), timeout: 300_000 }, () => {
  const RULE_ECHO = `${EchoService.interface}:1.0:.condition-router`;
  let server;
  let java;
  let meshlet;
  let echo;
  let writer;
  const providers = [];

  before(async () => {
    let peer;
    [peer, server] = await Promise.all([dubboPeer('dubbo3'), NacosServer.start().catch(() => NacosServer.start())]);
    for (let i = 0; i < 3; i++) {
      const p = createRuntime({ application: 'nacos-rule-echo', protocols: [dubbo()], registry: createRegistry(server.url('?beat=500&register-mode=interface')), server: { host: '127.0.0.1', port: 0 } });
      p.provide(EchoService, { ...echoImpl, echo: async (s) => `${i}:${s}` });
      await p.start();
      providers.push(p);
    }
    java = spawn('java', javaArgs(peer.classpath, 'com.meshlet.dubbo.RuleConsumer', ['--registry', server.url()], JVM), { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    java.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    await waitForLine(java, /READY/, 120_000).catch((e) => { throw new Error(`${e.message}\n${err}`); });
    writer = createConfigSource(server.url());
    meshlet = createRuntime({ application: 'meshlet-nacos-rules', protocols: [dubbo()], registry: createRegistry(server.url('?refresh=300&migration=FORCE_INTERFACE')), configSource: createConfigSource(server.url()) });
    echo = meshlet.refer(EchoService, { timeout: 5000 });
  });

  after(async () => {
    java?.stdin.end('QUIT\n');
    java?.kill('SIGKILL');
    await meshlet?.stop(0);
    await writer?.close();
    await Promise.allSettled(providers.map((p) => p.stop(0)));
    await server?.close();
  });

  async function javaCalls(n, text) {
    const answer = waitForLine(java, /ANSWERS ([^\n]*)\n/, 60_000);
    java.stdin.write(`CALLS ${n} ${text}\n`);
    const [, list] = await answer;
    return list.split(',').map((a) => {
      assert.ok(a.endsWith(`:${text}`), `java got ${a}`);
      return Number(a.slice(0, a.indexOf(':')));
    });
  }
  async function meshletCalls(n, text) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const a = await echo.echo(text);
      out.push(Number(a.slice(0, a.indexOf(':'))));
    }
    return out;
  }
  const set = (xs) => [...new Set(xs)].sort().join(',');
  async function until(what, check, ms = 60_000) {
    const end = Date.now() + ms;
    for (;;) {
      if (await check()) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test('vip calls to provider 2, others to 1 and 2, from both; removed, all three again', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    await until('both consumers to see three providers', async () => set(await javaCalls(30, 'plain')) === '0,1,2' && set(await meshletCalls(30, 'plain')) === '0,1,2');
    const t0 = performance.now();
    await writer.publish(RULE_ECHO, undefined, ['configVersion: v3.0', 'scope: service', 'force: true', 'conditions:',
      `  - method = echo & arguments[0] = vip => port = ${ports[2]}`, `  - method = echo => port = ${ports[1]},${ports[2]}`].join('\n') + '\n');
    await until('both consumers to take the rule', async () => set(await javaCalls(20, 'vip')) === '2' && set(await meshletCalls(20, 'vip')) === '2');
    t.diagnostic(`in force for both within ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual({
      javaVip: set(await javaCalls(60, 'vip')), meshletVip: set(await meshletCalls(60, 'vip')),
      javaPlain: set(await javaCalls(60, 'plain')), meshletPlain: set(await meshletCalls(60, 'plain')),
    }, { javaVip: '2', meshletVip: '2', javaPlain: '1,2', meshletPlain: '1,2' });
    await writer.remove(RULE_ECHO, undefined);
    await until('both consumers to drop the rule', async () => set(await javaCalls(30, 'vip')) === '0,1,2' && set(await meshletCalls(30, 'vip')) === '0,1,2');
  });
});

