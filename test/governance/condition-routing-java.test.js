// One condition rule in a real ZooKeeper config centre, read by Apache Dubbo 3.3.6 (Maven Central;
// test/fleet/java/dubbo3 RuleConsumer, its registry taken as config centre as Dubbo 3 does by
// default) and by a Meshlet consumer: both route the same calls to the same providers (Meshlet
// providers here), with conditions on the method, an argument and the provider port; both go back
// to all providers once the rule is removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { createConfigSource, createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { javaArgs } from '../fleet/lib/maven.js';
import { scratch, waitForLine } from '../fleet/lib/processes.js';
import { dubboPeer, JVM } from '../fleet/dubbo/peer.js';

const RULE = `${EchoService.interface}:1.0:.condition-router`;

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
    for (let i = 0; i < 3; i++) {
      const p = createRuntime({ application: 'rule-echo', protocols: [dubbo()], registry: createRegistry(`zookeeper://${zk.connectString}?register-mode=interface`), server: { host: '127.0.0.1', port: 0 } });
      p.provide(EchoService, { ...echoImpl, echo: async (s) => `${i}:${s}` });
      await p.start();
      providers.push(p);
    }
    java = spawn('java', javaArgs(peer.classpath, 'com.meshlet.dubbo.RuleConsumer', ['--registry', `zookeeper://${zk.connectString}`], JVM), { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    java.stderr.on('data', (d) => { err = (err + d).slice(-4000); if (process.env.X5_DEBUG) process.stderr.write(d); });
    await waitForLine(java, /READY/, 90_000).catch((e) => { throw new Error(`${e.message}\n${err}`); });
    const source = createConfigSource(`zookeeper://${zk.connectString}`);
    closing.push(source);
    meshlet = createRuntime({ application: 'meshlet-rule-consumer', protocols: [dubbo()], registry: createRegistry(`zookeeper://${zk.connectString}`), configSource: source });
    echo = meshlet.refer(EchoService, { timeout: 5000 });
  });

  after(async () => {
    java?.stdin.end('QUIT\n');
    java?.kill('SIGKILL');
    await meshlet?.stop(0);
    await Promise.allSettled(providers.map((p) => p.stop(0)));
    await Promise.allSettled(closing.map((c) => c.close()));
    raw?.close();
    await zk?.close();
  });

  /** Which providers (by index) answered n calls of echo(text), from Java and from Meshlet. */
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
      assert.ok(a.endsWith(`:${text}`), `meshlet got ${a}`);
      out.push(Number(a.slice(0, a.indexOf(':'))));
    }
    return out;
  }
  const set = (xs) => [...new Set(xs)].sort().join(',');
  async function until(what, check, ms = 30_000) {
    const end = Date.now() + ms;
    for (;;) {
      if (await check()) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('before the rule: both spread over the three providers; under it: vip calls to provider 2, others to 1 and 2; removed: all three again', async (t) => {
    const ports = providers.map((p) => p.address('dubbo').port);
    await until('both consumers to see three providers', async () => set(await javaCalls(30, 'plain')) === '0,1,2' && set(await meshletCalls(30, 'plain')) === '0,1,2');

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
    await until('the Java consumer to take the rule', async () => set(await javaCalls(20, 'plain')) !== '0,1,2' && set(await javaCalls(20, 'vip')) === '2');
    t.diagnostic(`rule in force: Meshlet after ${meshletAt.toFixed(0)} ms, Java within ${(performance.now() - t0).toFixed(0)} ms`);
    const seen = {
      javaVip: set(await javaCalls(60, 'vip')), meshletVip: set(await meshletCalls(60, 'vip')),
      javaPlain: set(await javaCalls(60, 'plain')), meshletPlain: set(await meshletCalls(60, 'plain')),
    };
    assert.deepEqual(seen, { javaVip: '2', meshletVip: '2', javaPlain: '1,2', meshletPlain: '1,2' });

    await closing[0].remove(RULE, undefined);
    await until('both consumers to drop the rule', async () => set(await javaCalls(30, 'vip')) === '0,1,2' && set(await meshletCalls(30, 'vip')) === '0,1,2');
  });
});
