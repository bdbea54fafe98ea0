// motan-go agent mode (motan-agent://): a provider registers its JSON URL with the configured
// proxyRegistry and asks for /200; it serves the agent's proxied requests (proxy bit, the agent's
// wire id echoed, M_rid received); a consumer calls the agent's port with plain Motan2 requests
// and reads its proxy-bit responses. The agent is a stand-in (fake-motan-agent.js).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMeshlet, motan2 } from 'meshlet-rpc';
import { fakeMotanAgent } from './fake-motan-agent.js';
import { Ping } from './service.js';

let agent;
before(async () => {
  agent = await fakeMotanAgent();
});
after(() => agent?.close());

test('register with proxyRegistry and /200, proxied requests answered with the wire id, M_rid seen', async () => {
  const url = `motan-agent://127.0.0.1:${agent.port}?mport=${agent.mport}&proxyRegistry=zookeeper://127.0.0.1:2181`;
  const provider = createMeshlet({ application: 'motan-provider', agent: url, protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } }, {});
  provider.provide(Ping, { echo: (s) => s, whoami: () => 'provider' });
  await provider.start();
  const port = provider.address().port;
  const consumer = createMeshlet({ application: 'motan-consumer', agent: url, protocols: [motan2()] }, {});
  try {
    const register = agent.state.calls.find((c) => c.path === '/registry/register');
    assert.equal(register.body,
      `{"protocol":"motan2","host":"127.0.0.1","port":${port},"path":"com.meshlet.sidecar.Ping","group":"default_rpc",` +
      '"parameters":{"application":"motan-provider","proxyRegistry":"zookeeper://127.0.0.1:2181","version":"1.0","methods":"echo,whoami"}}');
    assert.ok(agent.state.online, 'GET /200 after registering');

    const ping = consumer.refer(Ping, { timeout: 3000 });
    assert.equal(await ping.echo('through the agent'), 'through the agent');
    const p = agent.state.proxied.at(-1);
    assert.ok(p.sent.proxy, 'the provider got the proxy bit');
    assert.equal(p.sentMeta.M_rid, BigInt.asIntN(64, p.callerId).toString(), 'and the caller\'s id as M_rid');
    assert.equal(p.answeredId, p.wireId, 'the provider echoed the agent\'s wire id');
    assert.equal(p.answerMsgType & 0x01, 0x01);
    assert.ok(agent.state.heartbeats >= 2, 'both apps health-checked the agent with Motan2 heartbeats');
    const subscribe = agent.state.calls.find((c) => c.path === '/registry/subscribe');
    assert.deepEqual(JSON.parse(subscribe.body), {
      protocol: 'motan2', host: '', port: 0, path: 'com.meshlet.sidecar.Ping', group: 'default_rpc',
      parameters: { proxyRegistry: 'zookeeper://127.0.0.1:2181', version: '1.0' },
    });
  } finally {
    await consumer.stop(0);
    await provider.stop(0);
  }
  assert.ok(agent.state.calls.some((c) => c.path === '/registry/unregister'), 'unregistered on stop');
  assert.equal(agent.state.registered.size, 0);
});

test('an agent that does not know the proxyRegistry refuses: start() fails with what it said', async () => {
  const url = `motan-agent://127.0.0.1:${agent.port}?mport=${agent.mport}&proxyRegistry=zookeeper://10.9.9.9:2181`;
  const provider = createMeshlet({ agent: url, protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } }, {});
  provider.provide(Ping, { echo: (s) => s, whoami: () => 'x' });
  await assert.rejects(provider.start(), (err) => err.code === 'BAD_REQUEST' && /registry not found/.test(err.message));
});
