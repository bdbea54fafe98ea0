// mTLS off loopback (issue 16 follow-up): provider and consumer in network namespaces of their
// own, joined through test/resilience's switch (netns.js, netsim) that delays every packet 20 ms
// each way and drops 1 % of them (this kernel has no sch_netem; the switch does what netem would).
// Per protocol (Dubbo, Bolt, Motan2, Triple), TLS from MESHLET_TLS_DIR on both sides: 128 calls of
// 1 KiB kept in flight, a 4 MiB call each way beside them, every answer compared byte for byte,
// and the provider's certificate rotated under it (the kubelet's `..data` swap, picked up by the
// file source's poll): a fresh connection is shown the new one, zero calls fail. Root only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { controlled, createLan, lanUnavailable } from '../resilience/netns.js';
import { makeCerts, tlsDir, SPIFFE_SERVER } from './certs.js';
import { until as untilEvery } from './until.js';
import { kubeSecrets } from './kube-secret.js';

const skip = lanUnavailable();
const PROTOCOLS = ['dubbo', 'bolt', 'motan2', 'tri'];
const providerScript = fileURLToPath(new URL('./tls-provider.js', import.meta.url));
const consumerScript = fileURLToPath(new URL('./tls-lan-consumer.js', import.meta.url));
const MiB = 1024 * 1024;
// Each poll is a request to a process across the switch: every 200 ms is enough.
const until = (what, ms, check) => untilEvery(what, ms, check, 200);

const certs = skip ? undefined : await makeCerts();
let lan;
const { kubeDir, kubeSwap, dirs } = kubeSecrets(certs?.ca, 'meshlet-tls-lan-');

before(async () => {
  if (skip) return;
  lan = await createLan(['consumer', 'provider']);
  await lan.impair('consumer', 'provider', { delayMs: 20, lossPercent: 1 });
});
after(() => {
  lan?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

PROTOCOLS.forEach((protocol, i) => {
  test(`${protocol} over mTLS across a 20 ms, 1 % loss link: 128 × 1 KiB in flight and 4 MiB each way, all answers right, the provider's certificate rotated under it, zero failures`,
    { skip, timeout: 240_000 }, async (t) => {
      const host = lan.address('provider');
      const port = 20880 + i;
      const serverDir = kubeDir(certs.server);
      const provider = lan.node('provider', [providerScript, protocol], { env: { NAME: 'p', HOST: host, PORT: String(port), MESHLET_TLS_DIR: serverDir } });
      let consumer;
      try {
        await provider.waitFor(/READY (\d+)/, 30_000);
        consumer = await controlled(lan, 'consumer', consumerScript, [protocol, `${host}:${port}`],
          { MESHLET_TLS_DIR: tlsDir(certs.client, certs.ca), MESHLET_TLS_IDENTITIES: SPIFFE_SERVER });
        const dialed = Date.now();
        assert.equal(await consumer.request('serial'), certs.server.serial);
        // TCP connect and the TLS handshake: two round trips of 40 ms through the switch.
        const handshakeMs = Date.now() - dialed;
        assert.ok(handshakeMs >= 40, `a TLS connection in ${handshakeMs} ms: the link's delay is not in force`);
        await consumer.request('start', { inFlight: 128, size: 1024 });
        const healthy = async (n) => {
          const s = await consumer.request('stats');
          if (s.failures > 0) assert.fail(`${s.failures} calls failed: ${JSON.stringify((await consumer.request('stop')).failures.slice(0, 3))}`);
          return s.ok >= n;
        };
        await until('300 answered calls', 60_000, () => healthy(300));
        const big = consumer.request('big', { size: 4 * MiB });
        const swapped = Date.now();
        kubeSwap(serverDir, certs.server2);
        await until('the new certificate on a fresh connection', 30_000, async () => (await consumer.request('serial')) === certs.server2.serial);
        const rotatedMs = Date.now() - swapped;
        const { ms: bigMs } = await big;
        const { ok } = await consumer.request('stats');
        await until('300 more answered calls', 60_000, () => healthy(ok + 300));
        const result = await consumer.request('stop');
        const { forwarded, dropped } = await lan.stats();
        t.diagnostic(`${protocol}: ${result.ok} calls of 1 KiB right, ${result.failures.length} failed; 4 MiB each way in ${bigMs} ms; ` +
          `new certificate served ${rotatedMs} ms after the swap; a fresh TLS connection took ${handshakeMs} ms; switch so far: ${forwarded} frames forwarded, ${dropped} dropped`);
        assert.deepEqual(result.failures.slice(0, 5), []);
        assert.ok(dropped > 0, 'the link dropped packets');
      } finally {
        await consumer?.close();
        await provider.stop();
      }
    });
});
