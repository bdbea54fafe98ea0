// A provider SIGTERMed under load loses no call, on every protocol, with default settings: two
// providers found through a registry, 128 calls in flight on a non-idempotent method (never
// retried once sent), SIGTERM one. The stopping provider deregisters and tells its clients
// (read-only event, GoAway, ...), drains what it accepted, then closes; consumers send it nothing
// new but let its pending calls finish.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { Ledger } from './service.js';
import { load, sigtermOneUnderLoad, startProvider, until } from './helpers.js';

const protocols = { dubbo, bolt, motan2, rsocket };

for (const protocol of Object.keys(protocols)) {
  test(`${protocol}: SIGTERM one of two providers, 128 non-idempotent calls in flight: none fails`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-resilience-'));
    const registry = `local://${dir}`;
    const [a, b] = await Promise.all([startProvider('a', protocol, registry), startProvider('b', protocol, registry)]);
    const mesh = createRuntime({ registry: createRegistry(registry), protocols: [protocols[protocol]()] });
    try {
      const ledger = mesh.refer(Ledger);
      await sigtermOneUnderLoad(a, ledger);
    } finally {
      await mesh.stop(0);
      a.kill();
      b.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // By address, only the protocol's own signal tells consumers to stop sending: Dubbo's read-only
  // event, RSocket's `:goaway` push (Meshlet's metadata), Bolt's GoAway (MOSN's, opt-in because Java Bolt does not know
  // it). Motan2 has no such frame: a stopping Motan2 provider answers requests arriving after its
  // notice period with Java's "service reject" (10002) marked "provider stopping", which Meshlet's
  // client reads as SHUTDOWN (never executed: resent elsewhere, the address ejected).
  test(`${protocol}: the same with the providers given by address (no registry to withdraw one)`, async () => {
    const env = { BOLT_GOAWAY: '1' };
    const [a, b] = await Promise.all([startProvider('a', protocol, 'none', env), startProvider('b', protocol, 'none', env)]);
    const mesh = createRuntime({ protocols: [protocols[protocol]()] });
    try {
      const ledger = mesh.refer(Ledger, { url: [a.url, b.url] });
      await sigtermOneUnderLoad(a, ledger);
    } finally {
      await mesh.stop(0);
      a.kill();
      b.kill();
    }
  });
}

// After a GoAway and the close that follows, the address is not written off: a provider restarted
// there takes calls again (it used to be skipped for as long as another endpoint was up).
for (const protocol of ['dubbo', 'bolt', 'motan2', 'rsocket']) {
  test(`${protocol}: a provider stopped and restarted on its address takes calls again; none fails meanwhile`, async () => {
    const env = { BOLT_GOAWAY: '1' };
    const [a, b] = await Promise.all([startProvider('a', protocol, 'none', env), startProvider('b', protocol, 'none', env)]);
    let again;
    const mesh = createRuntime({ protocols: [protocols[protocol]()] });
    try {
      const ledger = mesh.refer(Ledger, { url: [a.url, b.url] });
      const running = load((i) => ledger.charge(i), 32);
      await until(() => running.counts.a > 10 && running.counts.b > 10, 15_000);
      a.kill('SIGTERM');
      await a.exited;
      again = await startProvider('again', protocol, 'none', { ...env, PORT: String(a.port) });
      // A bound, not a wait: reconnecting goes through the address's backoff.
      await until(() => running.counts.again > 20, 15_000).catch(() => {});
      const { counts, errors } = await running.stop();
      assert.deepEqual([...new Set(errors)].slice(0, 5), [], `${errors.length} failed; answers ${JSON.stringify(counts)}`);
      assert.ok(counts.again > 20, `the restarted provider's answers: ${JSON.stringify(counts)}`);
    } finally {
      await mesh.stop(0);
      for (const p of [a, b, again]) p?.kill();
    }
  });
}
