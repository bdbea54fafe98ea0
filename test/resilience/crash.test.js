// A provider SIGKILLed under load: the reset connection ejects its endpoint at once, and
// idempotent calls that were on it retry on the others, with default settings (retry budget
// included, and the runtime young, so that budget is small). Three providers by direct URL (so no registry ever removes the dead one), 128 calls
// in flight on an idempotent method, SIGKILL one: none fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { Ledger } from './service.js';
import { load, sleep, startProvider } from './helpers.js';

const protocols = { dubbo, bolt, motan2, rsocket };

for (const protocol of Object.keys(protocols)) {
  test(`${protocol}: SIGKILL one of three providers, 128 idempotent calls in flight: none fails`, async () => {
    const providers = await Promise.all(['a', 'b', 'c'].map((n) => startProvider(n, protocol)));
    const mesh = createRuntime({ protocols: [protocols[protocol]()] });
    try {
      const url = providers.map((p) => p.url);
      const ledger = mesh.refer(Ledger, { url });
      // A second reference on the same addresses: the ejection is per address, not per reference.
      const other = mesh.refer(Ledger, { url });
      const running = load((i) => (i % 2 ? ledger : other).lookup(i));
      // Killed as soon as it has answered: the runtime is young, so its retry budget is still small
      // (10 plus 0.2 per call), as it is for a consumer that just started or sees little traffic.
      while (!(running.counts.a > 0)) await sleep(5);
      providers[0].kill('SIGKILL');
      await providers[0].exited;
      await sleep(1000);
      const { counts, errors } = await running.stop();
      assert.deepEqual([...new Set(errors)].slice(0, 5), [], `${errors.length} failed; answers ${JSON.stringify(counts)}`);
      assert.ok(counts.a > 0 && counts.b > 0 && counts.c > 0, JSON.stringify(counts));
    } finally {
      await mesh.stop(0);
      for (const p of providers) p.kill();
    }
  });
}
