// Flow rules kept in a config centre, as a JSON array the way Sentinel's datasources hold them,
// drive a real Dubbo provider: published, changed, broken and removed while it serves, against a
// real ZooKeeper (Dubbo's layout, /dubbo/config/{group}/{key}) and a real Nacos-protocol server
// (data id = key, as Sentinel's Nacos datasource reads dataId/groupId).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { FlowRules, isFlowRefusal } from '@meshlet/breaker';
import { NacosConfigSource, ZookeeperConfigSource } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { NacosServer, nacosServerMissing, waitUntil, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';

const Echo = defineService({ interface: 'com.meshlet.test.FlowSourceEcho', methods: { echo: { params: [t.string], returns: t.string } } });
const KEY = 'flow-source-echo-flow-rules';
const GROUP = 'SENTINEL_GROUP';

/** The scenario, for a source made by `open()` (one to watch, one to write with). */
async function scenario(open) {
  const source = open();
  const writer = open();
  const flow = new FlowRules();
  const errors = [];
  const stop = flow.watch(source, KEY, GROUP, (e) => errors.push(e));
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor] });
  server.provide(Echo, { echo: async (s) => s });
  await server.start();
  const client = createRuntime({ protocols: [dubbo()], application: 'shop' });
  const echo = client.refer(Echo, { url: `127.0.0.1:${server.address().port}`, cluster: 'failfast' });
  /** True once calls are refused (or, with `want` false, answered): changes arrive asynchronously. */
  const refusing = (want) => async () => {
    try {
      await echo.echo('x');
      return !want;
    } catch (e) {
      if (!isFlowRefusal(e)) throw e;
      return want;
    }
  };
  try {
    assert.equal(await echo.echo('a'), 'a');
    await writer.publish(KEY, GROUP, JSON.stringify([{ resource: Echo.interface, limitApp: 'shop', grade: 1, count: 0, strategy: 0, controlBehavior: 0, clusterMode: false }]));
    await waitUntil(refusing(true), 15_000, 'the published rule refuses shop\'s calls');
    await assert.rejects(echo.echo('b'), (e) => isFlowRefusal(e) && RpcError.is(e) && /refused for caller shop by FlowRule\{resource=com\.meshlet\.test\.FlowSourceEcho, limitApp=shop/.test(e.message));
    await writer.publish(KEY, GROUP, `[{"resource":"${Echo.interface}","count":0,"clusterMode":true}]`);
    await waitUntil(async () => errors.length === 1, 15_000, 'the cluster-mode version is refused');
    assert.ok(await refusing(true)(), 'the rules in force stay');
    await writer.publish(KEY, GROUP, JSON.stringify([{ resource: Echo.interface, limitApp: 'web', count: 0 }]));
    await waitUntil(refusing(false), 15_000, 'a rule for another caller lets shop through');
    await writer.publish(KEY, GROUP, JSON.stringify([{ resource: `${Echo.interface}:echo(java.lang.String)`, count: 0 }]));
    await waitUntil(refusing(true), 15_000, 'a method rule for everyone');
    await writer.remove(KEY, GROUP);
    await waitUntil(refusing(false), 15_000, 'removed: no rules');
    assert.deepEqual(flow.rules(), []);
  } finally {
    stop();
    await client.stop(0);
    await server.stop(0);
    await source.close();
    await writer.close();
  }
}

describe('ZooKeeper', () => {
  let zk;
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
  });
  after(async () => {
    await zk?.stop();
  });
  test('rules published to ZooKeeper apply to the provider\'s next calls; a broken version is refused, removal clears', () =>
    scenario(() => new ZookeeperConfigSource(zk.url)));
});

describe('Nacos', { skip: nacosServerMissing() }, () => {
  let nacos;
  before(async () => {
    nacos = await NacosServer.start();
  });
  after(async () => {
    await nacos?.close();
  });
  test('rules published to Nacos apply to the provider\'s next calls; a broken version is refused, removal clears', () =>
    scenario(() => new NacosConfigSource(nacos.url())));
});
