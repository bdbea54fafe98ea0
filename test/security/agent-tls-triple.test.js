// Triple through a TLS agent: the agent's port offers ALPN (h2 for HTTP/2 callers, http/1.1 for
// the API), a tri caller over mTLS reaches an mTLS tri provider through it (the agent dials the
// provider over TLS with ALPN h2 and its own certificate), and HTTPS to the API on the same port
// still works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeshlet } from 'meshlet-rpc';
import { Agent, loadAgentConfig } from '@meshlet/agent';
import { makeCerts, tlsDir, SPIFFE_SERVER } from './certs.js';
import { echoImpl, echoService } from './echo-service.js';

const certs = await makeCerts();
const Echo = echoService('com.meshlet.test.AgentTlsTri', { version: '1.0', protocol: 'tri', stream: 'server' });
const impl = echoImpl();
const pair = (leaf, ca = certs.ca) => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert });
const open = [];
after(async () => {
  for (const c of open.reverse()) await c.stop(0).catch(() => {});
});

test('a tri caller over mTLS → TLS agent → mTLS tri provider; the provider sees the agent\'s identity; HTTPS API on the same port', async () => {
  const registry = `local://${mkdtempSync(join(tmpdir(), 'meshlet-agent-tls-tri-'))}`;
  const provider = createMeshlet({
    application: 'agent-tls-tri-provider', protocols: ['tri'], registry,
    server: { host: '127.0.0.1', port: 0, tls: { ...pair(certs.server2), requestCert: true, rejectUnauthorized: true } },
  }, { MESHLET_AGENT: 'off' });
  provider.provide(Echo, impl);
  open.push(provider);
  await provider.start();
  const agent = await Agent.start(loadAgentConfig({
    env: {},
    overrides: {
      registry, host: '127.0.0.1', port: 0, httpPort: 0, ingressHost: '127.0.0.1', ingressPort: 0, gracePeriod: 0,
      tlsDir: tlsDir(certs.server, certs.ca), upstreamIdentities: [SPIFFE_SERVER],
    },
  }));
  open.push(agent);
  const port = agent.addresses.egress[0];
  const caller = createMeshlet({ protocols: ['tri'], registry: false, client: { tls: { ...pair(certs.client), identities: [SPIFFE_SERVER] }, connectTimeout: 2000 } }, { MESHLET_AGENT: 'off' });
  open.push(caller);
  const echo = caller.refer(Echo, { url: `tri://127.0.0.1:${port}`, timeout: 5000 });
  // The agent's first read of the registry may come after the first call.
  let first;
  for (let i = 0; i < 100 && first === undefined; i++) first = await echo.echo('over tls').catch(() => new Promise((r) => setTimeout(r, 100)));
  assert.equal(first, 'over tls');
  const items = [];
  for await (const x of echo.count(300)) items.push(x);
  assert.deepEqual(items, Array.from({ length: 300 }, (_, i) => i));
  // The provider's caller is the agent, over mTLS with the agent's certificate.
  assert.equal(JSON.parse(await echo.who()), SPIFFE_SERVER);
  const status = await new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/status', ...pair(certs.client), servername: 'localhost', agent: false, ALPNProtocols: ['h2', 'http/1.1'] }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  assert.ok(status.counters.egress.tri.requests >= 3, JSON.stringify(status.counters.egress));
});
