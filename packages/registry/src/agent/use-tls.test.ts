// Which agents an app's client TLS goes to (AgentRegistry.useTls): the URL decides, Meshlet's own
// agent by default, and the agent's endpoints then tell the client pool to dial them with TLS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TLS_PARAM, type TlsOptions } from '@meshlet/core';
import { MeshletAgentRegistry } from './meshlet-agent.js';
import { MosnRegistry } from './mosn.js';
import { MotanAgentRegistry } from './motan-agent.js';
import type { AgentRegistry } from './agent-registry.js';

const tls: TlsOptions = { rejectUnauthorized: true };
const service = { interface: 'com.example.Echo' };

function secured(registry: AgentRegistry): boolean {
  const viaTls = registry.useTls(tls).tls === tls;
  const eps = registry.endpoints(service);
  assert.ok(eps.length > 0);
  // The endpoints say which, since an app with client TLS dials endpoints that say nothing over TLS.
  for (const e of eps) assert.equal(e.params[TLS_PARAM], viaTls ? 'true' : 'false');
  return viaTls;
}

test('meshlet:// takes the app\'s TLS unless tls=false; mosn:// and motan-agent:// only with tls=true', () => {
  assert.equal(secured(new MeshletAgentRegistry('meshlet://127.0.0.1:12220')), true);
  assert.equal(secured(new MeshletAgentRegistry('meshlet://127.0.0.1:12220?tls=false')), false);
  assert.equal(secured(new MosnRegistry('mosn://127.0.0.1:12220')), false);
  assert.equal(secured(new MosnRegistry('mosn://127.0.0.1:12220?tls=true')), true);
  assert.equal(secured(new MotanAgentRegistry('motan-agent://127.0.0.1:9981')), false);
  assert.equal(secured(new MotanAgentRegistry('motan-agent://127.0.0.1:9981?tls=true')), true);
});

test('no client TLS: nothing changes, whatever the URL says', () => {
  const r = new MeshletAgentRegistry('meshlet://127.0.0.1:12220?tls=true').useTls(undefined);
  assert.equal(r.tls, undefined);
  for (const e of r.endpoints(service)) assert.equal(e.params[TLS_PARAM], undefined);
});
