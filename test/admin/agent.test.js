// The agent serves the same admin routes on its HTTP port: the dashboard, /status with the admin
// fields, /metrics and /stats from the calls it relays, and offline/online of its local apps.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, loadAgentConfig } from '@meshlet/agent';
import { createMeshlet, createRegistry, defineService, t } from 'meshlet-rpc';
import { Echo, freshRegistry, getJson, provider, waitFor } from './harness.js';

const Side = defineService({ interface: 'demo.admin.Side', version: '1.0.0', methods: { hello: { params: [], returns: t.string } } });

describe('the agent\'s admin routes', () => {
  let agent; let api; let alpha; let side; let app; let watcher; let sideEndpoints = [];
  before(async () => {
    const registry = freshRegistry();
    agent = await Agent.start(loadAgentConfig({ env: {}, overrides: { registry, port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0 } }));
    api = `http://127.0.0.1:${agent.addresses.http[0]}`;
    alpha = await provider('alpha', registry);
    const url = `meshlet://127.0.0.1:${agent.addresses.egress[0]}`;
    side = createMeshlet({ application: 'side', agent: url, registry: false, server: { host: '127.0.0.1', port: 0 } }, {});
    side.provide(Side, { hello: async () => 'side' });
    await side.start();
    app = createMeshlet({ application: 'app', agent: url, registry: false }, {});
    watcher = createRegistry(registry);
    await watcher.subscribe(Side, (eps) => { sideEndpoints = eps; });
  });
  after(async () => {
    await app?.stop(0);
    await side?.stop(0);
    await alpha?.mesh.stop(0);
    await watcher?.close();
    await agent?.stop(0);
  });

  test('dashboard, status, metrics and stats of relayed calls', async () => {
    const echo = app.refer(Echo);
    for (let i = 0; i < 20; i++) assert.equal(await echo.whoami(), 'alpha');
    const html = await fetch(`${api}/`);
    assert.match(html.headers.get('content-type'), /^text\/html/);
    assert.match(await html.text(), /<title>Meshlet admin<\/title>/);
    const s = await getJson(`${api}/status`);
    assert.equal(s.mode, 'agent');
    assert.ok(s.counters, 'the agent\'s own fields stay');
    const ref = s.references.find((r) => r.service.includes('demo.admin.Echo'));
    assert.ok(ref, `Echo routed: ${JSON.stringify(s.references.map((r) => r.service))}`);
    assert.equal(ref.endpoints.length, 1);
    assert.equal(ref.endpoints[0].health, 'up');
    assert.ok(ref.endpoints[0].calls >= 20);
    assert.ok(s.services.some((e) => e.service.includes('demo.admin.Side') && e.state === 'online'));
    const metrics = await fetch(`${api}/metrics`);
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const m = /^meshlet_calls_total\{side="client",service="[^"]*demo\.admin\.Echo[^"]*",method="[^"]*",code="OK"\} (\d+)$/m.exec(await metrics.text());
    assert.ok(m && Number(m[1]) >= 20, 'relayed calls counted');
    await waitFor(async () => (await getJson(`${api}/stats?seconds=3`)).client.some((x) => x.calls > 0), 'a second of calls in /stats', 3000);
  });

  test('offline withdraws the local apps from the registry, online brings them back; the agent\'s own routes still answer', async () => {
    await waitFor(() => sideEndpoints.length === 1, 'Side published');
    assert.equal((await fetch(`${api}/offline`, { method: 'POST' })).status, 200);
    await waitFor(() => sideEndpoints.length === 0, 'Side withdrawn');
    assert.ok((await getJson(`${api}/status`)).services.every((e) => e.state === 'offline'));
    assert.equal((await fetch(`${api}/offline?service=demo.admin.Other`, { method: 'POST' })).status, 400, 'the agent cannot take one service out');
    assert.equal((await fetch(`${api}/online`, { method: 'POST' })).status, 200);
    await waitFor(() => sideEndpoints.length === 1, 'Side republished');
    assert.match(await (await fetch(`${api}/ls`)).text(), /demo\.admin\.Side/);
    assert.equal((await getJson(`${api}/version`)).name, '@meshlet/agent');
  });
});
