// Shared by the admin suites: a provider pair and a consumer on a shared in-process registry,
// each runtime with its admin endpoint on a free loopback port.
import { createMeshlet, defineService, t } from 'meshlet-rpc';

export const Echo = defineService({
  interface: 'demo.admin.Echo',
  version: '1.0.0',
  methods: {
    whoami: { params: [], returns: t.string },
    slow: { params: [t.int32], returns: t.string },
  },
});

let stores = 0;

/** A registry store of its own per call, so suites in one process never see each other. */
export function freshRegistry() {
  return `memory://admin-${process.pid}-${++stores}`;
}

export async function provider(name, registry) {
  const mesh = createMeshlet({
    application: name, registry, server: { host: '127.0.0.1', port: 0 }, admin: { port: 0 }, gracePeriod: 2000,
  }, {});
  mesh.provide(Echo, {
    whoami: async () => name,
    slow: async (ms) => { await new Promise((r) => setTimeout(r, ms)); return name; },
  });
  await mesh.start();
  const admin = await mesh.admin.ready;
  return { mesh, name, admin: `http://127.0.0.1:${admin.port}` };
}

export async function consumer(registry) {
  const mesh = createMeshlet({ application: 'caller', registry, admin: { port: 0 } }, {});
  const echo = mesh.refer(Echo);
  const admin = await mesh.admin.ready;
  return { mesh, echo, admin: `http://127.0.0.1:${admin.port}` };
}

export async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls `check` until it returns something truthy; `ms` only stops a failing test from hanging. */
export async function waitFor(check, what, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
