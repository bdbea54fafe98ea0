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
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { dubboPeer } from '../fleet/dubbo/peer.js';
import { javaRuleConsumer, load, meshletCalls as meshletCallsOf, providerSet, startEchoProviders, until, waitFor } from './routing-scenario.js';

const Echo = defineService({ interface: 'com.meshlet.test.NacosRouteEcho', version: '1.0.0', methods: { echo: { params: [t.string], returns: t.string } } });
const RULE = 'com.meshlet.test.NacosRouteEcho:1.0.0:.condition-router';

describe('routing rules from Nacos', { skip: nacosServerMissing(), timeout: 120_000 }, () => {
  let server;
  const providers = [];
  const closing = [];

  before(async () => {
    // r-nacos 0.8.8 now and then panics while starting on an empty data dir: one more try.
    server = await NacosServer.start().catch(() => NacosServer.start());
    await startEchoProviders(providers, Echo, { application: 'nacos-route-echo', registry: () => createRegistry(server.url('?beat=500')) });
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
    const run = load(echo, () => (consumer.rule(RULE) === undefined ? 'none' : 'rule'));
    const { calls, failures } = run;
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
      await run.stop();
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
    await startEchoProviders(providers, EchoService, { application: 'nacos-rule-echo', registry: () => createRegistry(server.url('?beat=500&register-mode=interface')), impl: echoImpl });
    java = await javaRuleConsumer(peer, server.url(), 120_000);
    writer = createConfigSource(server.url());
    meshlet = createRuntime({ application: 'meshlet-nacos-rules', protocols: [dubbo()], registry: createRegistry(server.url('?refresh=300&migration=FORCE_INTERFACE')), configSource: createConfigSource(server.url()) });
    echo = meshlet.refer(EchoService, { timeout: 5000 });
  });

  after(async () => {
    java?.stop();
    await meshlet?.stop(0);
    await writer?.close();
    await Promise.allSettled(providers.map((p) => p.stop(0)));
    await server?.close();
  });

  const javaCalls = (n, text) => java.calls(n, text);
  const meshletCalls = (n, text) => meshletCallsOf(echo, n, text);

  test('vip calls to provider 2, others to 1 and 2, from both; removed, all three again', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    await until('both consumers to see three providers', async () => providerSet(await javaCalls(30, 'plain')) === '0,1,2' && providerSet(await meshletCalls(30, 'plain')) === '0,1,2', 60_000);
    const t0 = performance.now();
    await writer.publish(RULE_ECHO, undefined, ['configVersion: v3.0', 'scope: service', 'force: true', 'conditions:',
      `  - method = echo & arguments[0] = vip => port = ${ports[2]}`, `  - method = echo => port = ${ports[1]},${ports[2]}`].join('\n') + '\n');
    await until('both consumers to take the rule', async () => providerSet(await javaCalls(20, 'vip')) === '2' && providerSet(await meshletCalls(20, 'vip')) === '2', 60_000);
    t.diagnostic(`in force for both within ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual({
      javaVip: providerSet(await javaCalls(60, 'vip')), meshletVip: providerSet(await meshletCalls(60, 'vip')),
      javaPlain: providerSet(await javaCalls(60, 'plain')), meshletPlain: providerSet(await meshletCalls(60, 'plain')),
    }, { javaVip: '2', meshletVip: '2', javaPlain: '1,2', meshletPlain: '1,2' });
    await writer.remove(RULE_ECHO, undefined);
    await until('both consumers to drop the rule', async () => providerSet(await javaCalls(30, 'vip')) === '0,1,2' && providerSet(await meshletCalls(30, 'vip')) === '0,1,2', 60_000);
  });
});

