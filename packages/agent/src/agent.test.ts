// The agent in-process: configuration precedence and validation, the HTTP API against hostile and
// dialect-specific input, the sniffing port against foreign bytes, and a graceful stop.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { Agent, AGENT_DEFAULTS, loadAgentConfig } from './index.js';

type Json = any;
const json = async (url: string): Promise<Json> => (await fetch(url)).json();

describe('agent configuration', () => {
  test('defaults < file < environment < overrides', () => {
    const file = path.join(os.tmpdir(), `meshlet-agent-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ port: 1001, httpPort: 1002, registry: 'memory://file', extraPorts: [9981] }));
    const c = loadAgentConfig({ file, env: { MESHLET_AGENT_HTTP_PORT: '2002', MESHLET_REGISTRY: 'memory://env', MESHLET_OTEL: 'console' }, overrides: { registry: 'memory://flag' } });
    assert.deepEqual([c.port, c.httpPort, c.registry, c.extraPorts, c.tracing, c.ingressPort], [1001, 2002, 'memory://flag', [9981], true, AGENT_DEFAULTS.ingressPort]);
  });

  test('the published ingress host: MESHLET_IP_TO_REGISTRY, then DUBBO_IP_TO_REGISTRY, then MESHLET_HOST (as core)', () => {
    const all = { MESHLET_HOST: '10.0.0.3', DUBBO_IP_TO_REGISTRY: '10.0.0.2', MESHLET_IP_TO_REGISTRY: '10.0.0.1' };
    assert.equal(loadAgentConfig({ env: all }).advertiseHost, '10.0.0.1');
    assert.equal(loadAgentConfig({ env: { ...all, MESHLET_IP_TO_REGISTRY: '' } }).advertiseHost, '10.0.0.2');
    assert.equal(loadAgentConfig({ env: { MESHLET_HOST: '10.0.0.3' } }).advertiseHost, '10.0.0.3');
  });

  test('TLS settings: MESHLET_TLS_DIR, MESHLET_TLS_MODE and MESHLET_TLS_IDENTITIES as for apps; bad ones refused', () => {
    const c = loadAgentConfig({ env: { MESHLET_TLS_DIR: '/etc/meshlet/tls', MESHLET_TLS_MODE: ' Permissive ', MESHLET_TLS_IDENTITIES: 'spiffe://a/x, b.example ,' } });
    assert.deepEqual([c.tlsDir, c.tlsMode, c.upstreamIdentities], ['/etc/meshlet/tls', 'permissive', ['spiffe://a/x', 'b.example']]);
    assert.deepEqual([AGENT_DEFAULTS.tlsDir, AGENT_DEFAULTS.tlsMode, AGENT_DEFAULTS.upstreamIdentities], [undefined, 'strict', []]);
    assert.throws(() => loadAgentConfig({ env: { MESHLET_TLS_MODE: 'lenient' } }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /"tlsMode"/.test(e.message));
    assert.throws(() => loadAgentConfig({ env: {}, overrides: { upstreamIdentities: [''] } }), /"upstreamIdentities"/);
    assert.throws(() => loadAgentConfig({ env: {}, overrides: { tlsDir: '' } }), /"tlsDir"/);
  });

  test('certificates that never load: start fails with UNAVAILABLE naming the cause', async () => {
    const never = {
      ready: () => Promise.reject(new RpcError(Code.Unavailable, 'no certificate yet')),
      current: () => { throw new RpcError(Code.Unavailable, 'no certificate yet'); },
      onChange: () => () => {},
    };
    const config = loadAgentConfig({ env: {}, overrides: { registry: 'memory://notls', port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0, tls: { source: never } } });
    await assert.rejects(Agent.start(config), (e: unknown) => RpcError.is(e, Code.Unavailable) && /no certificate yet/.test(e.message));
  });

  test('bad settings are refused, naming the setting', () => {
    const file = path.join(os.tmpdir(), `meshlet-agent-bad-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadAgentConfig({ file, env: {} }), /unknown setting "prot"/);
    writeFileSync(file, '{ nope');
    assert.throws(() => loadAgentConfig({ file, env: {} }), /is not JSON/);
    assert.throws(() => loadAgentConfig({ env: { MESHLET_AGENT_PORT: '70000' } }), /MESHLET_AGENT_PORT must be a port/);
    assert.throws(() => loadAgentConfig({ env: {}, overrides: { timeout: -1 } }), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /"timeout"/.test(e.message));
    assert.throws(() => loadAgentConfig({ file: '/nonexistent/agent.json', env: {} }), /cannot read the agent config/);
    assert.throws(() => loadAgentConfig({ env: {}, overrides: { boltGoAway: 'yes' as unknown as boolean } }), /"boltGoAway" must be true or false/);
  });
});

describe('a running agent', () => {
  let agent: Agent;
  let api: string;
  before(async () => {
    agent = await Agent.start(loadAgentConfig({ env: {}, overrides: { registry: 'memory://', port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0 } }));
    api = `http://127.0.0.1:${agent.addresses.http[0]}`;
  });
  after(() => agent.stop(0));

  const post = async (p: string, body: string) => {
    const r = await fetch(`${api}${p}`, { method: 'POST', body });
    return [r.status, await r.json() as Json] as const;
  };

  test('motan dialect: register, list, info, unregister; /200 and /503', async () => {
    const url = '{"protocol":"motan2","host":"127.0.0.1","port":9100,"path":"com.example.NodeService","group":"node-group","parameters":{"proxyRegistry":"direct://127.0.0.1:0","serialization":"simple"}}';
    assert.deepEqual(await post('/registry/register', url), [200, { code: 200, message: 'ok' }]);
    const list = await json(`${api}/registry/list`);
    assert.equal(list.body.register_nodes[0].path, 'com.example.NodeService');
    assert.equal(list.body.register_nodes[0].group, 'node-group');
    const info = await json(`${api}/registry/info`);
    assert.equal(info.body.mesh_port, agent.addresses.egress[0]);
    let status = await json(`${api}/status`);
    assert.deepEqual(status.published.map((p: { endpoint: string }) => p.endpoint), [`motan2://127.0.0.1:${agent.addresses.ingress}`]);
    assert.equal((await fetch(`${api}/503`)).status, 200);
    status = await json(`${api}/status`);
    assert.equal(status.agent.online, false);
    assert.equal((await fetch(`${api}/200`)).status, 200);
    assert.deepEqual(await post('/registry/unregister', url), [200, { code: 200, message: 'ok' }]);
    status = await json(`${api}/status`);
    assert.deepEqual(status.registrations, []);
  });

  test('hostile input: 400s with the reason, oversized bodies refused, unknown paths 404; the agent lives on', async () => {
    for (const body of ['', 'null', '[1]', '{"protocol":"dubbo"}', '{"protocol":"dubbo","path":"a","port":"x"}', '{"__proto__":{"polluted":1},"protocol":"dubbo","path":"a"}']) {
      const [status, answer] = await post('/registry/register', body);
      assert.equal(status, 400, body);
      assert.equal(answer.code, 400);
      assert.equal(typeof answer.message, 'string');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const big = await fetch(`${api}/registry/register`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }).then((r) => r.status, () => 413);
    assert.equal(big, 413);
    assert.equal((await fetch(`${api}/nope`)).status, 404);
    assert.equal((await fetch(`${api}/version`)).status, 200);
  });

  test('the app-facing port: the API over HTTP, heartbeats answered, foreign bytes (a TLS hello) closed', async () => {
    const port = agent.addresses.egress[0]!;
    const viaEgress = await json(`http://127.0.0.1:${port}/registry/info`);
    assert.equal(viaEgress.body.mesh_port, port);
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05])));
      s.on('close', () => resolve(true));
      s.on('error', () => {});
      setTimeout(() => resolve(false), 2000).unref();
    });
    assert.ok(closed);
    // A Bolt heartbeat (v1, id 9) and its ack.
    const hb = Buffer.from('0101000001000000090100000000000000000000000000000000', 'hex').subarray(0, 22);
    const ack = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(hb));
      s.once('data', (d) => { s.destroy(); resolve(d); });
      s.on('error', reject);
    });
    assert.equal(ack.length, 20);
    assert.equal(ack.readInt32BE(5), 9);
    const status = await json(`${api}/status`);
    assert.ok(status.counters.egress.bolt.heartbeats >= 1);
  });

  test('a call for a service nobody provides gets the protocol\'s "no provider" reply, not silence', async () => {
    const port = agent.addresses.egress[0]!;
    const { encodeFrame, ByteWriter, parseHeader, readMeta, errorFromException, Meta } = await import('@meshlet/transport-motan');
    const req = encodeFrame(new ByteWriter(), { msgType: 0, serialization: 6, requestId: 5n, meta: [[Meta.PATH, 'nobody.Here'], [Meta.METHOD, 'm'], [Meta.TIMEOUT, '500']] });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(req));
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 21 && buf.length >= 21 + buf.readUInt32BE(13)) { s.destroy(); resolve(buf); }
      });
      s.on('error', reject);
    });
    const h = parseHeader(reply);
    assert.equal(h.requestId, 5n);
    const err = errorFromException(readMeta(reply, 17, 17 + h.metaLength)[Meta.EXCEPTION]);
    assert.equal(err.code, Code.Unavailable);
    assert.match(err.message, /meshlet agent: no provider for nobody\.Here/);
  });
});
