import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Code, endpoint, endpointAddress, RpcError, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { MemoryRegistry, MemoryStore } from '../memory.js';
import { isAgentEndpoint } from './agent-registry.js';
import { FakeAgent, pingProbe } from './fake-agent.test.util.js';
import { withFallback } from './fallback.js';
import { MeshletAgentRegistry } from './meshlet-agent.js';

const echo: ServiceKey = { interface: 'demo.Echo', version: '1.0' };
const mine: Registration = { service: echo, endpoint: endpoint('dubbo', '127.0.0.1', 20880), methods: ['echo'], application: 'app' };

/** The sets a subscriber received, as sorted address lists. */
function recorder() {
  const sets: string[][] = [];
  return {
    sets,
    listener: (eps: readonly Endpoint[]) => sets.push(eps.map(endpointAddress).sort()),
    get last() {
      return sets.at(-1);
    },
  };
}

const agents: FakeAgent[] = [];
after(async () => {
  for (const a of agents) await a.down();
});

async function setup(options: { direct?: boolean; standby?: boolean } = {}) {
  const agent = await FakeAgent.start();
  agents.push(agent);
  const store = new MemoryStore();
  const direct = options.direct === false ? undefined : new MemoryRegistry({ store });
  // Another provider, reachable directly (as through the real registry).
  const other = new MemoryRegistry({ store });
  await other.register({ service: echo, endpoint: endpoint('dubbo', '10.0.0.9', 20880), methods: ['echo'] });
  const registry = withFallback(new MeshletAgentRegistry(agent.url), direct, { probe: pingProbe, retries: 0, standby: options.standby });
  return { agent, store, registry, other };
}

describe('fallback registry', () => {
  test('healthy agent: the agent endpoint (one per protocol, marked) and registrations through its API', async () => {
    const { agent, store, registry } = await setup();
    const rec = recorder();
    await registry.subscribe(echo, rec.listener);
    const at = `127.0.0.1:${agent.tcpPort}`;
    assert.deepEqual(rec.last, [`bolt://${at}`, `dubbo://${at}`, `motan2://${at}`, `tri://${at}`]);
    await registry.register(mine);
    assert.deepEqual(agent.paths(), ['/registry/subscribe', '/registry/register']);
    const body = JSON.parse(agent.calls[1]!.body);
    assert.deepEqual(body, { protocol: 'dubbo', host: '127.0.0.1', port: 20880, path: 'demo.Echo', parameters: { version: '1.0', application: 'app', methods: 'echo' } });
    assert.deepEqual(store.endpoints(echo).map(endpointAddress), ['dubbo://10.0.0.9:20880'], 'not registered directly');
    assert.equal(registry.state, 'up');
    await registry.close();
    assert.ok(agent.paths().includes('/registry/unregister'));
  });

  test('agent down: the direct set, registrations made directly; back up: replayed to the agent, direct ones withdrawn', async () => {
    const { agent, store, registry } = await setup();
    const rec = recorder();
    const states: string[] = [];
    registry.on('state', (s) => states.push(s));
    await registry.subscribe(echo, rec.listener);
    await registry.register(mine);

    await agent.down();
    assert.equal(await registry.checkNow(), 'down');
    // The direct set, this process's own registration (now made directly) included.
    assert.deepEqual(rec.last, ['dubbo://10.0.0.9:20880', 'dubbo://127.0.0.1:20880']);
    assert.deepEqual(store.endpoints(echo).map(endpointAddress), ['dubbo://10.0.0.9:20880', 'dubbo://127.0.0.1:20880']);

    await agent.up(); // a restarted agent: it remembers nothing
    assert.equal(await registry.checkNow(), 'up');
    assert.deepEqual(agent.paths(), ['/registry/register', '/registry/subscribe'], 'everything replayed before routing to it');
    assert.ok(rec.last!.every((a) => a.includes(`:${agent.tcpPort}`)));
    assert.deepEqual(store.endpoints(echo).map(endpointAddress), ['dubbo://10.0.0.9:20880'], 'direct registration withdrawn');
    assert.deepEqual(states, ['up', 'down', 'up']);
    await registry.close();
  });

  test('registering while the agent is down: made directly, sent to the agent when it is back', async () => {
    const { agent, store, registry } = await setup();
    await registry.ready();
    await agent.down();
    await registry.checkNow();
    await registry.register(mine);
    assert.ok(store.endpoints(echo).some((e) => e.port === 20880 && e.host === '127.0.0.1'));
    await agent.up();
    await registry.checkNow();
    assert.deepEqual(agent.paths(), ['/registry/register']);
    await registry.close();
  });

  test('no direct registry: an empty set while down, and an error that names the agent', async () => {
    const { agent, registry } = await setup({ direct: false });
    const rec = recorder();
    await registry.subscribe(echo, rec.listener);
    await agent.down();
    await registry.checkNow();
    assert.deepEqual(rec.last, []);
    const err = registry.unavailableError();
    assert.ok(RpcError.is(err, Code.Unavailable));
    assert.match(err.message, new RegExp(`sidecar agent meshlet://127\\.0\\.0\\.1:${agent.tcpPort}.*unreachable.*MESHLET_REGISTRY`));
    await agent.up();
    await registry.checkNow();
    assert.equal(rec.last!.length, 4); // bolt, dubbo, motan2, tri
    await registry.close();
  });

  test('standby: while up, the direct set rides beside the agent endpoint', async () => {
    const { agent, registry } = await setup({ standby: true });
    const got: Endpoint[][] = [];
    await registry.subscribe(echo, (eps) => got.push([...eps]));
    // Polled, not a fixed 20 ms: the agent's set and the direct one may arrive in separate deliveries.
    const both = () => (got.at(-1) ?? []).some(isAgentEndpoint) && (got.at(-1) ?? []).some((e) => !isAgentEndpoint(e));
    for (const end = Date.now() + 10_000; !both() && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    const last = got.at(-1)!;
    assert.equal(last.filter(isAgentEndpoint).length, 4);
    assert.deepEqual(last.filter((e) => !isAgentEndpoint(e)).map(endpointAddress), ['dubbo://10.0.0.9:20880']);
    assert.equal(agent.calls.length, 1);
    await registry.close();
  });

  test('an agent that refuses a registration: BAD_REQUEST with what it said', async () => {
    const { agent, registry } = await setup();
    agent.answers.set('/registry/register', { status: 400, body: '{"code":400,"message":"registry not found"}' });
    await assert.rejects(registry.register(mine), (err: unknown) =>
      RpcError.is(err, Code.BadRequest) && /registry not found/.test(err.message));
    await registry.close();
  });

  test('an agent down from the start: the first subscription already gets the direct set', async () => {
    const { agent, registry } = await setup();
    await agent.down();
    const rec = recorder();
    await registry.subscribe(echo, rec.listener);
    assert.deepEqual(rec.sets, [['dubbo://10.0.0.9:20880']]);
    assert.equal(registry.state, 'down');
    await agent.up();
    await registry.close();
  });
});
