import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRuntime, defineService, endpoint, t, type Candidate, type EndpointBreakers, type Invocation } from '@meshlet/core';
import { AGENT_PARAM, probeOnce } from '@meshlet/registry';
import { bolt } from '@meshlet/transport-bolt';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';
import { createMeshlet, heartbeatProbe, meshletMode, sidecarBalancer, sidecarBreakers } from './index.js';

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

describe('sidecar balancing and breakers', () => {
  const agent = endpoint('dubbo', '127.0.0.1', 12220, { [AGENT_PARAM]: 'meshlet' });
  const direct = endpoint('dubbo', '10.0.0.1', 20880);
  const inv = {} as Invocation;

  test('the agent endpoint whenever it is a candidate; the inner balancer otherwise', () => {
    const picked: string[] = [];
    const lb = sidecarBalancer({ name: 'inner', pick: <C extends Candidate>(c: readonly C[]) => { picked.push('inner'); return c[0]!; } });
    const c = (e: typeof agent) => ({ endpoint: e, pending: 0 });
    assert.equal(lb.pick([c(direct), c(agent)], inv).endpoint, agent);
    assert.equal(lb.pick([c(direct)], inv).endpoint, direct);
    assert.deepEqual(picked, ['inner']);
  });

  test('breakers pass the agent endpoint straight through and guard the direct ones', async () => {
    const calls: string[] = [];
    const inner: EndpointBreakers = {
      allows: () => false,
      invoke: async () => { calls.push('breaker'); return 'guarded'; },
      update: (eps) => calls.push(`update:${eps.length}`),
      close: () => calls.push('close'),
    };
    const b = sidecarBreakers(inner);
    assert.equal(b.allows(agent), true);
    assert.equal(b.allows(direct), false);
    assert.equal(await b.invoke(agent, async () => 'straight', inv), 'straight');
    assert.equal(await b.invoke(direct, async () => 'straight', inv), 'guarded');
    b.update([agent, direct]);
    b.close();
    assert.deepEqual(calls, ['breaker', 'update:1', 'close']);
  });
});
