// MOSN mode (mosn://): apps publish and subscribe through MOSN's registration API with the exact
// JSON SOFARPC sends (bolt-sofa.md §3.2; MOSN's side is closed source, so a recording front checks
// the bytes), and call over Bolt through the agent's port, which routes on the `service` header.
// Behind the front, a Meshlet agent speaks the same API and does the routing.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bolt, createMeshlet } from 'meshlet-rpc';
import { freePort } from '../../packages/registry/dist/testing/index.js';
import { recordingFront } from './fake-front.js';
import { localRegistry, startAgent } from './helpers.js';
import { Ping } from './service.js';

const SERVICE = 'com.meshlet.sidecar.Ping:1.0';
let agent;
let front;
let providerPort;

before(async () => {
  // SOFARPC's publish names no port: MOSN assumes the app's Bolt port; this agent is told it.
  providerPort = await freePort();
  const config = path.join(os.tmpdir(), `meshlet-mosn-${process.pid}.json`);
  await writeFile(config, JSON.stringify({ mosnAppPorts: { bolt: providerPort } }));
  agent = await startAgent({ registry: await localRegistry(), config });
  front = await recordingFront(agent.httpPort);
});
after(async () => {
  await front?.close();
  await agent?.stop();
});

test('SOFARPC\'s exact bodies, Bolt through the agent\'s port, unpublish and unsubscribe on stop', async () => {
  const url = `mosn://127.0.0.1:${agent.port}?http=${front.port}&health=500`;
  const provider = createMeshlet({ application: 'mosn-provider', agent: url, protocols: [bolt()], server: { host: '127.0.0.1', port: providerPort } }, {});
  provider.provide(Ping, { echo: (s) => `mosn:${s}`, whoami: () => 'provider' });
  await provider.start();
  const consumer = createMeshlet({ application: 'mosn-consumer', agent: url, protocols: [bolt()] }, {});
  try {
    const ping = consumer.refer(Ping, { timeout: 3000 });
    assert.equal(await ping.echo('hi'), 'mosn:hi');
    assert.equal((await agent.status()).counters.egress.bolt.requests, 1, 'the call went through the agent');
  } finally {
    await consumer.stop(0);
    await provider.stop(0);
  }
  const seen = front.calls.map((c) => `${c.method} ${c.path} ${c.contentType} ${c.body}`);
  const text = 'text/plain; charset=UTF-8';
  assert.deepEqual(seen, [
    `POST /configs/application ${text} {"appName":"mosn-provider"}`,
    `POST /services/publish ${text} {"onlyPublishInCloud":false,"protocolType":"bolt","providerMetaInfo":{"appName":"mosn-provider","properties":{},"protocol":"bolt","serializeType":"hessian2","version":"4.0"},"serviceName":"${SERVICE}"}`,
    `POST /configs/application ${text} {"appName":"mosn-consumer"}`,
    `POST /services/subscribe ${text} {"localCloudFirst":false,"protocolType":"bolt","serviceName":"${SERVICE}","vipEnforce":false,"vipOnly":false}`,
    `POST /services/unsubscribe ${text} {"protocolType":"bolt","serviceName":"${SERVICE}"}`,
    `POST /services/unpublish ${text} {"protocolType":"bolt","serviceName":"${SERVICE}"}`,
  ]);
  assert.deepEqual((await agent.status()).registrations, [], 'unpublished');
});

test('the anthunder variant: JSON with the port, and the agent routes to that port', async () => {
  const before = front.calls.length;
  const url = `mosn://127.0.0.1:${agent.port}?http=${front.port}&payload=anthunder`;
  const provider = createMeshlet({ application: 'py-style', agent: url, protocols: [bolt()], server: { host: '127.0.0.1', port: 0 } }, {});
  provider.provide(Ping, { echo: (s) => `anthunder:${s}`, whoami: () => 'x' });
  await provider.start();
  const consumer = createMeshlet({ agent: url, protocols: [bolt()] }, {});
  try {
    assert.equal(await consumer.refer(Ping, { timeout: 3000 }).echo('hi'), 'anthunder:hi');
    const publish = front.calls.slice(before).find((c) => c.path === '/services/publish');
    assert.equal(publish.contentType, 'application/json');
    assert.deepEqual(JSON.parse(publish.body), {
      serviceName: SERVICE, port: String(provider.address().port), protocolType: 'DEFAULT', onlyPublishInCloud: false,
      providerMetaInfo: { appName: 'py-style', protocol: '1', version: '4.0', serializeType: 'hessian2' },
    });
    const subscribe = front.calls.slice(before).find((c) => c.path === '/services/subscribe');
    assert.equal(subscribe.body, `{"serviceName":"${SERVICE}"}`);
  } finally {
    await consumer.stop(0);
    await provider.stop(0);
  }
});

test('the agent\'s MOSN dialect answers as MOSN: datas name the agent\'s port; bad input is a 400 with success false', async () => {
  const post = (p, body) => fetch(`http://127.0.0.1:${agent.httpPort}${p}`, { method: 'POST', body }).then(async (r) => [r.status, await r.json()]);
  const [s1, sub] = await post('/services/subscribe', `{"serviceName":"${SERVICE}","protocolType":"bolt"}`);
  assert.equal(s1, 200);
  assert.equal(sub.success, true);
  assert.equal(sub.serviceName, SERVICE);
  assert.match(sub.datas[0], new RegExp(`^127\\.0\\.0\\.1:${agent.port}\\?p=1&v=4\\.0&_SERIALIZETYPE=hessian2`));
  for (const [p, body] of [['/services/publish', '{"serviceName":""}'], ['/services/publish', 'not json'], ['/configs/application', '[]']]) {
    const [status, answer] = await post(p, body);
    assert.equal(status, 400, `${p} ${body}`);
    assert.equal(answer.success, false);
    assert.equal(typeof answer.errorMessage, 'string');
  }
});
