import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, createRuntime, defineService, endpoint, RpcError, t } from '@meshlet/core';
import { AGENT_PARAM, probeOnce } from '@meshlet/registry';
import { bolt } from '@meshlet/transport-bolt';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';
import { createMeshlet, heartbeatProbe, meshletMode } from './index.js';

const Echo = defineService({ interface: 'demo.Echo', methods: { echo: { params: [t.string], returns: t.string } } });

describe('the mode switch', () => {
  test('MESHLET_AGENT wins over code; `off` forces direct mode; unset, the code decides', () => {
    assert.deepEqual(meshletMode({}, {}), { mode: 'direct', agent: undefined });
    assert.deepEqual(meshletMode({ agent: 'meshlet://127.0.0.1:1' }, {}), { mode: 'sidecar', agent: 'meshlet://127.0.0.1:1' });
    assert.deepEqual(meshletMode({ agent: 'meshlet://127.0.0.1:1' }, { MESHLET_AGENT: 'mosn://127.0.0.1:12220' }), { mode: 'sidecar', agent: 'mosn://127.0.0.1:12220' });
    assert.deepEqual(meshletMode({ agent: 'meshlet://127.0.0.1:1' }, { MESHLET_AGENT: 'off' }), { mode: 'direct', agent: undefined });
    assert.deepEqual(meshletMode({}, { MESHLET_AGENT: '  ' }), { mode: 'direct', agent: undefined });
  });

  test('direct mode: a plain runtime; sidecar mode: the agent registry behind a fallback', async () => {
    const direct = createMeshlet({ registry: false }, {});
    assert.equal(direct.mode, 'direct');
    assert.equal(direct.sidecar, undefined);
    await direct.stop(0);
    const sidecar = createMeshlet({ registry: 'memory://', application: 'app' }, { MESHLET_AGENT: 'mosn://127.0.0.1:1?health=60000' });
    assert.equal(sidecar.mode, 'sidecar');
    assert.equal(sidecar.sidecar!.agent.target.kind, 'mosn');
    assert.equal(sidecar.sidecar!.agent.target.params.app, 'app', 'MOSN is told the application');
    assert.equal(sidecar.sidecar!.direct!.name, 'memory');
    await sidecar.stop(0);
    assert.throws(() => createMeshlet({}, { MESHLET_AGENT: 'memory://' }), /unknown agent kind|must name an agent/);
  });
});

describe('heartbeat probes', () => {
  for (const protocol of [dubbo(), bolt(), motan2()]) {
    test(`${protocol.name}: a real ${protocol.name} server answers the probe`, async () => {
      const mesh = createRuntime({ protocols: [protocol], server: { host: '127.0.0.1', port: 0 } });
      mesh.provide(Echo, { echo: (s: string) => s });
      await mesh.start();
      try {
        await probeOnce('127.0.0.1', mesh.address()!.port, heartbeatProbe(protocol.name)!, 1000);
      } finally {
        await mesh.stop(0);
      }
    });
  }

  test('partial replies wait for more; foreign bytes are not a reply', () => {
    const p = heartbeatProbe('dubbo')!;
    p.request();
    assert.equal(p.reply(Buffer.from([0xda, 0xbb, 0x22])), 'more');
    assert.equal(p.reply(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), 'bad');
    assert.equal(heartbeatProbe('rsocket'), undefined);
  });
});

describe('sidecar mode: one endpoint-set stage', () => {
  const agent = endpoint('dubbo', '127.0.0.1', 12220, { [AGENT_PARAM]: 'meshlet' });
  const direct = endpoint('dubbo', '10.0.0.1', 20880);

  test('the fallback registry is the runtime’s stage: the agent endpoint is the proxy’s, a provider’s is direct', async () => {
    const app = createMeshlet({ registry: 'memory://' }, { MESHLET_AGENT: 'meshlet://127.0.0.1:1?health=60000' });
    assert.equal(app.sidecar!.isProxy(agent), true);
    assert.equal(app.sidecar!.isProxy(direct), false);
    assert.equal(app.sidecar!.admit(), undefined, 'with a registry to fall back to, calls are never held');
    await app.stop(0);
  });

  test('nothing to fall back to: calls wait for the first health check, then fail at once, saying why', async () => {
    const app = createMeshlet({ registry: false, health: { retries: 0, timeoutMs: 500 } }, { MESHLET_AGENT: 'meshlet://127.0.0.1:1?health=60000' });
    const client = app.refer(Echo, { timeout: 10_000 });
    const unreachable = (e: unknown) => RpcError.is(e, Code.Unavailable) && /sidecar agent .* is unreachable/.test((e as Error).message);
    await assert.rejects(client.echo('x'), unreachable);
    assert.equal(app.sidecar!.state, 'down');
    assert.ok(unreachable(app.sidecar!.admit()));
    await assert.rejects(client.echo('x'), unreachable);
    await app.stop(0);
  });
});
