// `npm run demo:mtls` (examples/mtls/run.js) as a user runs it: openssl-made SPIFFE certificates,
// a provider and a consumer in two processes over mutual TLS from MESHLET_TLS_DIR, and the
// authorization policy's verdicts as the README shows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../examples/mtls/run.js', import.meta.url));

test('the mTLS demo runs: the consumer\'s SPIFFE ID reaches the provider, one method allowed, one refused, no certificate no call', { timeout: 45_000 }, async () => {
  const demo = spawn(process.execPath, [RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const [code] = await once(demo, 'exit');
  assert.equal(code, 0, out);
  // The provider saw the caller's verified identity, and the policy's verdict for each call.
  assert.match(out, /provider: getOrder from spiffe:\/\/example\.org\/ns\/demo\/sa\/consumer: allowed by consumer-reads-orders/);
  assert.match(out, /provider: cancelOrder from spiffe:\/\/example\.org\/ns\/demo\/sa\/consumer: refused \(no ALLOW policy matched\)/);
  // The consumer: the allowed call's answer, the refused one's code, and no way in without TLS.
  assert.match(out, /consumer: getOrder\("A-17"\) allowed: order A-17: 2 books, shipped/);
  assert.match(out, /consumer: cancelOrder\("A-17"\) refused: PERMISSION_DENIED \(RBAC: access denied: com\.example\.orders\.OrderService\.cancelOrder\)/);
  assert.match(out, /consumer: getOrder\("A-17"\) without a certificate refused: (CONNECTION_CLOSED|UNAVAILABLE)/);
  // The method the policy refuses never ran, and the unauthenticated call never reached a method.
  assert.doesNotMatch(out, /cancelled/);
  assert.doesNotMatch(out, /unauthenticated caller/);
  assert.match(out, /provider: stopped/);
});
