// Dubbo's routing rules from a real ZooKeeper config centre, applied to a Meshlet consumer's calls
// while 128 are in flight: a condition rule written where Java's ZookeeperDynamicConfiguration keeps
// it (/dubbo/config/dubbo/{interface}:{version}:{group}.condition-router, as dubbo-admin writes it)
// moves every later call to the providers it names, a bad document keeps it, removing it spreads the
// calls again, a tag rule tags providers by address; ZooKeeper stopped while a rule is in force
// leaves it in force; none of the calls fails. Also: createMeshlet wires the registry's config
// centre when MESHLET_REGISTRY is ZooKeeper.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, t } from '@meshlet/core';
import { createConfigSource, createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { createMeshlet } from 'meshlet-rpc';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { installOtel } from '../telemetry/otel-harness.js';
import { byProvider, load, startEchoProviders, waitFor } from './routing-scenario.js';

const otel = installOtel();

const Echo = defineService({ interface: 'com.meshlet.test.RouteEcho', version: '1.0.0', methods: { echo: { params: [t.string], returns: t.string } } });
const RULE = 'com.meshlet.test.RouteEcho:1.0.0:.condition-router';
const RULE_PATH = `/dubbo/config/dubbo/${RULE}`;
const TAG_RULE_PATH = '/dubbo/config/dubbo/route-echo.tag-router';

let zk;
let raw;
const providers = [];
const closing = [];

/** A config source of its own (its own ZooKeeper session), as another process writing rules would have. */
const configSource = () => {
  const s = createConfigSource(`${zk.url}?session=4000&timeout=3000`);
  closing.push(s);
  return s;
};

before(async () => {
  zk = await ZooKeeperServer.start({ tickTime: 200 });
  raw = await RawZooKeeper.connect(zk.connectString);
  await startEchoProviders(providers, Echo, { application: 'route-echo', registry: () => createRegistry(`${zk.url}?session=4000`) });
});

after(async () => {
  await Promise.allSettled(providers.map((p) => p.stop(500)));
  await Promise.allSettled(closing.map((c) => c.close()));
  raw?.close();
  await zk?.close();
  await otel.shutdown();
});

test('a condition rule written to ZooKeeper moves the calls of a consumer with 128 in flight; a bad one keeps it; removed, the calls spread again', { timeout: 120_000 }, async (t) => {
  const ports = providers.map((p) => p.address('dubbo').port);
  const source = configSource();
  const consumer = createRuntime({ application: 'web', protocols: [dubbo()], registry: createRegistry(`${zk.url}?session=4000`), configSource: source });
  const echo = consumer.refer(Echo, { timeout: 10_000 });
  await echo.echo('warm');
  let phase = 'none';
  const run = load(echo, () => `${phase}:${consumer.rule(RULE)?.conditions[0]?.text ?? '-'}`);
  try {
    await waitFor(() => run.calls.length > 500, 30_000, 'calls before any rule');
    // dubbo-admin's document for "calls of echo go to provider 1 only".
    const rule = `configVersion: v3.0\nscope: service\nkey: com.meshlet.test.RouteEcho\nenabled: true\nforce: true\nruntime: true\nconditions:\n  - method = echo => port = ${ports[1]}\n`;
    const written = performance.now();
    await raw.create(RULE_PATH, Buffer.from(rule), false);
    await waitFor(() => consumer.rule(RULE) !== undefined, 10_000, 'the rule to reach the consumer');
    t.diagnostic(`rule seen ${(performance.now() - written).toFixed(0)} ms after the write`);
    const seenAt = run.calls.length;
    await waitFor(() => run.calls.length > seenAt + 2000, 30_000, 'calls under the rule');
    // A document that does not parse: the rule in force stays (and a warning says so).
    phase = 'bad';
    await configSource().publish(RULE, undefined, 'conditions:\n  - "= port"\n');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(consumer.rule(RULE)?.conditions[0]?.text, `method = echo => port = ${ports[1]}`);
    const badAt = run.calls.length;
    await waitFor(() => run.calls.length > badAt + 1000, 30_000, 'calls after the bad document');
    phase = 'removed';
    await configSource().remove(RULE, undefined);
    await waitFor(() => consumer.rule(RULE) === undefined, 10_000, 'the removal to reach the consumer');
    const removedAt = run.calls.length;
    await waitFor(() => run.calls.length > removedAt + 2000, 30_000, 'calls after the removal');
  } finally {
    await run.stop();
    await consumer.stop(500);
  }
  assert.deepEqual(run.failures, [], 'no call failed');
  const underRule = run.calls.filter((c) => c.state.endsWith(`port = ${ports[1]}`));
  const before = run.calls.filter((c) => c.state === 'none:-');
  const after = run.calls.filter((c) => c.state === 'removed:-');
  t.diagnostic(`before ${JSON.stringify(byProvider(before))}, under the rule ${JSON.stringify(byProvider(underRule))}, after removal ${JSON.stringify(byProvider(after))}`);
  assert.ok(underRule.length > 3000, `${underRule.length} calls began under the rule`);
  assert.deepEqual(Object.keys(byProvider(underRule)), ['1'], 'every call that began under the rule went to provider 1');
  assert.equal(Object.keys(byProvider(before)).length, 3, 'before: all three providers');
  assert.equal(Object.keys(byProvider(after)).length, 3, 'after removal: all three again');
  // Each load is counted: adopted, the bad one refused (with its error code), removed.
  const loads = (await otel.metricPoints('meshlet.routing.rule_loads')).filter((a) => a['meshlet.routing.rule'] === RULE);
  assert.deepEqual(loads.map((a) => `${a['meshlet.routing.origin']}:${a['meshlet.routing.outcome']}:${a['error.type'] ?? ''}`).sort(),
    ['config:adopted:', 'config:refused:INVALID_ARGUMENT', 'config:removed:']);
});

test('a tag rule written to ZooKeeper tags a provider by address: tagged calls go there, untagged calls avoid it', { timeout: 60_000 }, async () => {
  const ports = providers.map((p) => p.address('dubbo').port);
  const consumer = createRuntime({ application: 'web', protocols: [dubbo()], registry: createRegistry(`${zk.url}?session=4000`), configSource: configSource() });
  const echo = consumer.refer(Echo, { timeout: 10_000 });
  const gray = consumer.refer(Echo, { timeout: 10_000, attachments: { 'dubbo.tag': 'gray' } });
  try {
    await echo.echo('warm');
    await raw.create(TAG_RULE_PATH, Buffer.from(`configVersion: v3.0\nforce: true\nenabled: true\nkey: route-echo\ntags:\n  - name: gray\n    addresses: ["127.0.0.1:${ports[2]}"]\n`), false);
    // The rule is read once the providers' application (route-echo) is seen by a call.
    await waitFor(() => consumer.rule('route-echo.tag-router') !== undefined, 10_000, 'the tag rule');
    const grayRun = load(gray, () => 'gray');
    const plainRun = load(echo, () => 'plain');
    await waitFor(() => grayRun.calls.length > 1000 && plainRun.calls.length > 1000, 30_000, 'tagged and untagged calls');
    await grayRun.stop();
    await plainRun.stop();
    assert.deepEqual([...grayRun.failures, ...plainRun.failures], []);
    assert.deepEqual(Object.keys(byProvider(grayRun.calls)), ['2']);
    assert.deepEqual(Object.keys(byProvider(plainRun.calls)).sort(), ['0', '1']);
  } finally {
    await consumer.stop(500);
    await configSource().remove('route-echo.tag-router', undefined);
  }
});

test('createMeshlet reads rules from the ZooKeeper of MESHLET_REGISTRY by default', { timeout: 60_000 }, async () => {
  const ports = providers.map((p) => p.address('dubbo').port);
  const mesh = createMeshlet({ application: 'web2', protocols: ['dubbo'], breakers: false, loadBalancer: 'roundrobin' }, { MESHLET_REGISTRY: `${zk.url}?session=4000` });
  const echo = mesh.refer(Echo, { timeout: 10_000 });
  const writer = configSource();
  try {
    await echo.echo('warm');
    await writer.publish('web2.condition-router', undefined, `conditions:\n  - => port = ${ports[0]}\n`);
    await waitFor(() => mesh.rule('web2.condition-router') !== undefined, 10_000, 'the application rule');
    for (let i = 0; i < 20; i++) assert.equal(await echo.echo('x'), '0:x');
  } finally {
    await writer.remove('web2.condition-router', undefined);
    await mesh.stop(500);
  }
});

test('ZooKeeper down while a rule is in force: the rule holds (an outage is not a removal), no call fails; back up, its removal applies', { timeout: 120_000 }, async (t) => {
  const ports = providers.map((p) => p.address('dubbo').port);
  const key = 'outage-web.condition-router';
  const writer = configSource();
  const consumer = createRuntime({ application: 'outage-web', protocols: [dubbo()], registry: createRegistry(`${zk.url}?session=6000`), configSource: createConfigSource(`${zk.url}?session=6000&timeout=1000`) });
  const echo = consumer.refer(Echo, { timeout: 10_000 });
  await writer.publish(key, undefined, `force: true\nconditions:\n  - => port = ${ports[0]}\n`);
  await waitFor(() => consumer.rule(key) !== undefined, 10_000, 'the rule');
  let phase = 'up';
  const run = load(echo, () => `${phase}:${consumer.rule(key) === undefined ? '-' : 'rule'}`);
  try {
    await waitFor(() => run.calls.length > 500, 30_000, 'calls under the rule');
    phase = 'down';
    await zk.stop();
    const downAt = run.calls.length;
    await waitFor(() => run.calls.length > downAt + 2000, 30_000, 'calls while ZooKeeper is down');
    phase = 'back';
    await zk.restart();
    await writer.remove(key, undefined);
    await waitFor(() => consumer.rule(key) === undefined, 20_000, 'the removal after the restart');
    // Providers 1 and 2 were never called by this consumer: their connections open now.
    await waitFor(() => Object.keys(byProvider(run.calls.filter((c) => c.state === 'back:-'))).length === 3, 30_000, 'calls spread over all three after the removal')
      .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(consumer.introspect().references[0])}`); });
  } finally {
    await run.stop();
    await consumer.stop(500);
  }
  assert.deepEqual(run.failures, [], 'no call failed');
  const down = run.calls.filter((c) => c.state === 'down:rule');
  const after = run.calls.filter((c) => c.state === 'back:-');
  t.diagnostic(`while down ${JSON.stringify(byProvider(down))}, after removal ${JSON.stringify(byProvider(after))}`);
  assert.ok(down.length > 2000);
  assert.deepEqual(Object.keys(byProvider(run.calls.filter((c) => c.state.endsWith(':rule')))), ['0'], 'every call under the rule, ZooKeeper up or down, went to provider 0');
  assert.equal(Object.keys(byProvider(after)).length, 3);
});

