// The conformance kit, same scripts, two deployments, for Dubbo, Bolt and Motan2:
//   sidecar: consumer (MESHLET_AGENT) → agent A → agent B → provider (MESHLET_AGENT), all processes;
//   direct:  consumer → provider (MESHLET_AGENT=off), through the same kind of registry.
// Only the environment differs. The agents' counters prove the calls went through both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KIT, localRegistry, run, startAgent, startProcess, sidecarEnv } from './helpers.js';

const PROTOCOLS = ['dubbo', 'bolt', 'motan2'];

function checkKit(result) {
  const lines = result.stdout.trim().split('\n');
  const failed = lines.filter((l) => l.startsWith('{') && !JSON.parse(l).ok);
  assert.deepEqual(failed, [], result.stderr);
  assert.match(lines.at(-1), /^\d+ passed, 0 failed$/);
  assert.ok(Number(lines.at(-1).split(' ')[0]) >= 25);
  assert.equal(result.code, 0, result.stderr);
  return Number(lines.at(-1).split(' ')[0]);
}

async function provider(protocol, registry, agent) {
  const p = startProcess([`${KIT}provider.js`, '--protocol', protocol, '--port', '0', '--registry', registry], { env: sidecarEnv(agent), name: `provider ${protocol}` });
  await p.started;
  return p;
}

const consumer = (protocol, registry, agent) =>
  run([`${KIT}consumer.js`, '--protocol', protocol, '--registry', registry], { env: sidecarEnv(agent) });

describe('conformance kit through two Meshlet agents (sidecar mode)', () => {
  let registry;
  let a;
  let b;
  const providers = [];
  before(async () => {
    registry = await localRegistry();
    [a, b] = await Promise.all([startAgent({ registry }), startAgent({ registry })]);
    providers.push(...(await Promise.all(PROTOCOLS.map((p) => provider(p, registry, b)))));
  });
  after(async () => {
    for (const p of providers) assert.equal(await p.stop(), 0, 'sidecar providers stop gracefully');
    await Promise.all([a?.stop(), b?.stop()]);
  });

  for (const protocol of PROTOCOLS) {
    test(`${protocol}: every case passes, consumer → agent → agent → provider`, async () => {
      const before = await Promise.all([a.status(), b.status()]);
      const passed = checkKit(await consumer(protocol, registry, a));
      const [sa, sb] = await Promise.all([a.status(), b.status()]);
      const delta = (s0, s1, dir) => (s1.counters[dir][protocol]?.requests ?? 0) - (s0.counters[dir][protocol]?.requests ?? 0);
      assert.equal(delta(before[0], sa, 'egress'), passed, 'every call entered agent A from the consumer');
      assert.equal(delta(before[1], sb, 'ingress'), passed, 'every call reached agent B from agent A');
      assert.ok(sb.registrations.some((r) => r.protocol === protocol && r.service.startsWith('conformance/com.meshlet.conformance.EchoService') === (protocol === 'motan2')));
    });
  }
});

describe('conformance kit in direct mode (for comparison)', () => {
  let registry;
  const providers = [];
  before(async () => {
    registry = await localRegistry();
    providers.push(...(await Promise.all(PROTOCOLS.map((p) => provider(p, registry, undefined)))));
  });
  after(async () => {
    for (const p of providers) assert.equal(await p.stop(), 0);
  });

  for (const protocol of PROTOCOLS) {
    test(`${protocol}: every case passes, consumer → provider`, async () => {
      checkKit(await consumer(protocol, registry, undefined));
    });
  }
});
