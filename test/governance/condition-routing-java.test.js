// One condition rule in a real ZooKeeper config centre, read by Apache Dubbo 3.3.6 (Maven Central;
// test/fleet/java/dubbo3 RuleConsumer, its registry taken as config centre as Dubbo 3 does by
// default) and by a Meshlet consumer: both route the same calls to the same providers (Meshlet
// providers here), with conditions on the method, an argument and the provider port; both go back
// to all providers once the rule is removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { localAddress } from '@meshlet/core/runtime';
import { createConfigSource, createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { dubboPeer } from '../fleet/dubbo/peer.js';
import { javaRuleConsumer, meshletCalls as meshletCallsOf, providerSet, startEchoProviders, until } from './routing-scenario.js';

const RULE = `${EchoService.interface}:1.0:.condition-router`;
// Java's NetUtils never matches a loopback provider by a host pattern (isValidV4Address refuses
// loopback, so the pattern is read as IPv6 and refused): the providers listen on this host's
// network address when it has one, and the tag-by-address case needs one.
const HOST = localAddress();
const LOOPBACK_ONLY = HOST.startsWith('127.') ? 'this host has no address but loopback' : undefined;

describe('the same condition rule in ZooKeeper routes a Java Dubbo 3.3.6 consumer and a Meshlet consumer alike', { timeout: 300_000 }, () => {
  let peer;
  let zk;
  let raw;
  let java;
  let meshlet;
  let echo;
  const providers = [];
  const closing = [];

  before(async () => {
    [peer, zk] = await Promise.all([dubboPeer('dubbo3'), ZooKeeperServer.start({ tickTime: 200 })]);
    raw = await RawZooKeeper.connect(zk.connectString);
    await startEchoProviders(providers, EchoService, {
      application: 'rule-echo',
      registry: () => createRegistry(`zookeeper://${zk.connectString}?register-mode=interface`),
      host: LOOPBACK_ONLY ? '127.0.0.1' : HOST,
      impl: echoImpl,
    });
    java = await javaRuleConsumer(peer, `zookeeper://${zk.connectString}`, 90_000);
    const source = createConfigSource(`zookeeper://${zk.connectString}`);
    closing.push(source);
    meshlet = createRuntime({ application: 'meshlet-rule-consumer', protocols: [dubbo()], registry: createRegistry(`zookeeper://${zk.connectString}`), configSource: source });
    echo = meshlet.refer(EchoService, { timeout: 5000 });
  });

  after(async () => {
    java?.stop();
    await meshlet?.stop(0);
    await Promise.allSettled(providers.map((p) => p.stop(0)));
    await Promise.allSettled(closing.map((c) => c.close()));
    raw?.close();
    await zk?.close();
  });

  /** Which providers (by index) answered n calls of echo(text), from Java and from Meshlet. */
  const javaCalls = (n, text, tag) => java.calls(n, text, tag);
  const meshletCalls = (n, text, tag) => meshletCallsOf(tag ? tagged(tag) : echo, n, text);
  const byTag = new Map();
  const tagged = (tag) => {
    if (!byTag.has(tag)) byTag.set(tag, meshlet.refer(EchoService, { timeout: 5000, attachments: { 'dubbo.tag': tag } }));
    return byTag.get(tag);
  };

  it('before the rule: both spread over the three providers; under it: vip calls to provider 2, others to 1 and 2; removed: all three again', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    await until('both consumers to see three providers', async () => providerSet(await javaCalls(30, 'plain')) === '0,1,2' && providerSet(await meshletCalls(30, 'plain')) === '0,1,2');

    // Two conditions, applied in order, as dubbo-admin would write them for this service.
    const rule = [
      'configVersion: v3.0', 'scope: service', `key: ${EchoService.interface}`, 'enabled: true', 'force: true', 'runtime: true', 'conditions:',
      `  - method = echo & arguments[0] = vip => port = ${ports[2]}`,
      `  - method = echo => port = ${ports[1]},${ports[2]}`,
    ].join('\n') + '\n';
    const t0 = performance.now();
    await raw.create(`/dubbo/config/dubbo/${RULE}`, Buffer.from(rule), false);
    await until('the Meshlet consumer to take the rule', () => meshlet.rule(RULE) !== undefined, 10_000);
    const meshletAt = performance.now() - t0;
    await until('the Java consumer to take the rule', async () => providerSet(await javaCalls(20, 'plain')) !== '0,1,2' && providerSet(await javaCalls(20, 'vip')) === '2');
    t.diagnostic(`rule in force: Meshlet after ${meshletAt.toFixed(0)} ms, Java within ${(performance.now() - t0).toFixed(0)} ms`);
    const seen = {
      javaVip: providerSet(await javaCalls(60, 'vip')), meshletVip: providerSet(await meshletCalls(60, 'vip')),
      javaPlain: providerSet(await javaCalls(60, 'plain')), meshletPlain: providerSet(await meshletCalls(60, 'plain')),
    };
    assert.deepEqual(seen, { javaVip: '2', meshletVip: '2', javaPlain: '1,2', meshletPlain: '1,2' });

    await closing[0].remove(RULE, undefined);
    await until('both consumers to drop the rule', async () => providerSet(await javaCalls(30, 'vip')) === '0,1,2' && providerSet(await meshletCalls(30, 'vip')) === '0,1,2');
  });

  it('a tag rule of the providers\' application: dubbo.tag=gray calls to the tagged provider, untagged calls to the others, a tag nobody has falls back', { skip: LOOPBACK_ONLY }, async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    const key = 'rule-echo.tag-router';
    const rule = ['configVersion: v3.0', 'force: false', 'enabled: true', 'key: rule-echo', 'tags:', '  - name: gray', `    addresses: ["${HOST}:${ports[0]}"]`].join('\n') + '\n';
    const t0 = performance.now();
    await raw.create(`/dubbo/config/dubbo/${key}`, Buffer.from(rule), false);
    let last;
    await until('both consumers to take the tag rule', async () => {
      last = { java: providerSet(await javaCalls(20, 'g', 'gray')), meshlet: providerSet(await meshletCalls(20, 'g', 'gray')) };
      return last.java === '0' && last.meshlet === '0';
    }).catch((e) => { throw new Error(`${e.message}: last ${JSON.stringify(last)}, meshlet's rule ${JSON.stringify(meshlet.rule(key))}`); });
    t.diagnostic(`tag rule in force for both within ${(performance.now() - t0).toFixed(0)} ms`);
    const seen = {
      javaGray: providerSet(await javaCalls(40, 'g', 'gray')), meshletGray: providerSet(await meshletCalls(40, 'g', 'gray')),
      javaPlain: providerSet(await javaCalls(40, 'p')), meshletPlain: providerSet(await meshletCalls(40, 'p')),
      javaRed: providerSet(await javaCalls(40, 'r', 'red')), meshletRed: providerSet(await meshletCalls(40, 'r', 'red')),
    };
    assert.deepEqual(seen, { javaGray: '0', meshletGray: '0', javaPlain: '1,2', meshletPlain: '1,2', javaRed: '1,2', meshletRed: '1,2' });
    await closing[0].remove(key, undefined);
    await until('both consumers to drop the tag rule', async () => providerSet(await javaCalls(30, 'p')) === '0,1,2' && providerSet(await meshletCalls(30, 'p')) === '0,1,2');
  });

  it('the providers\' application rule (rule-echo.condition-router, Dubbo 3.2+\'s provider-app router) routes both alike', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    const key = 'rule-echo.condition-router';
    const t0 = performance.now();
    await raw.create(`/dubbo/config/dubbo/${key}`, Buffer.from(`configVersion: v3.0\nscope: application\nkey: rule-echo\nforce: true\nconditions:\n  - => port = ${ports[0]},${ports[1]}\n`), false);
    await until('both consumers to take the provider application rule', async () => providerSet(await javaCalls(30, 'a')) === '0,1' && providerSet(await meshletCalls(30, 'a')) === '0,1');
    t.diagnostic(`in force for both within ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual({ java: providerSet(await javaCalls(60, 'b')), meshlet: providerSet(await meshletCalls(60, 'b')) }, { java: '0,1', meshlet: '0,1' });
    await closing[0].remove(key, undefined);
    await until('both consumers to drop it', async () => providerSet(await javaCalls(30, 'c')) === '0,1,2' && providerSet(await meshletCalls(30, 'c')) === '0,1,2');
  });
});
