// Cost per call of a reference driven by xdsMesh against the same reference without a control
// plane: an in-process protocol that answers at once, 10 endpoints, 128 calls in flight, so what
// is measured is the client stack (routing, cluster state, directory, balancer). Not a test: run
// by hand after a build (`node packages/xds/bench/mesh-per-call.mjs`).
import { createRuntime, defineService, endpoint, t } from '@meshlet/core';
import { xdsMesh } from '../dist/index.js';

const Svc = defineService({ interface: 'bench.Echo', methods: { echo: { params: [t.string], returns: t.string } } });
const protocol = {
  name: 'bench', defaultPort: 1,
  createClient: (ep) => ({ endpoint: ep, available: true, invoke: (inv) => Promise.resolve(inv.args[0]), close: async () => {} }),
  createServer: () => { throw new Error('not used'); },
  toUrl: () => '', fromUrl: () => undefined,
};
const ports = Array.from({ length: 10 }, (_, i) => 20000 + i);
const urls = ports.map((p) => `127.0.0.1:${p}`);
const T = 'type.googleapis.com/';

/** A watch source holding fixed resources (the decode contract's shape), replayed at once. */
function source(route) {
  const resources = {
    Listener: { name: 'bench.Echo', apiListener: { apiListener: { '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, routeConfig: { name: 'rc', virtualHosts: [{ domains: ['*'], routes: [route] }] } } } },
    Cluster: { name: 'c', type: 'EDS' },
    ClusterLoadAssignment: { endpoints: [{ lbEndpoints: ports.map((p) => ({ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: p } } } })) }] },
  };
  return { watch: (type, _name, cb) => { cb(resources[type.slice(type.lastIndexOf('.') + 1)]); return () => {}; } };
}

async function measure(label, app, client) {
  const run = async (n) => {
    let left = n;
    await Promise.all(Array.from({ length: 128 }, async () => {
      while (left-- > 0) await client.echo('x');
    }));
  };
  await run(100_000);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    await run(300_000);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 300_000);
  }
  console.log(`${label.padEnd(60)} ${(best / 1000).toFixed(2).padStart(6)} µs/call`);
  await app.stop(0);
}

const scenarios = {
  plain: () => {
    const app = createRuntime({ protocols: [protocol] });
    return [app, app.refer(Svc, { url: urls })];
  },
  mesh: () => {
    const app = createRuntime({ protocols: [protocol], mesh: xdsMesh(source({ match: { prefix: '' }, route: { cluster: 'c' } })) });
    return [app, app.refer(Svc)];
  },
  full: () => {
    const route = {
      match: { prefix: '/bench.Echo/', headers: [{ name: 'x-lane', presentMatch: false }] },
      route: { weightedClusters: { clusters: [{ name: 'c', weight: { value: 50 } }, { name: 'c2', weight: { value: 50 } }] }, timeout: { seconds: 3 }, retryPolicy: { retryOn: '5xx', numRetries: { value: 2 } } },
    };
    const inner = source(route);
    const renamed = { watch: (type, name, cb) => inner.watch(type, name, (r) => cb(r && type.endsWith('.Cluster') ? { ...r, name } : r)) };
    const app = createRuntime({ protocols: [protocol], mesh: xdsMesh(renamed) });
    return [app, app.refer(Svc)];
  },
};
const labels = {
  plain: 'no control plane (url reference, failover)',
  mesh: 'xdsMesh: one route, one cluster',
  full: 'xdsMesh: header match, 2 weighted clusters, timeout, retry policy',
};

const which = process.argv[2];
if (which !== undefined) {
  const [app, client] = scenarios[which]();
  await measure(labels[which], app, client);
} else {
  // Each scenario in its own process (no JIT state shared), alternating, three times.
  const { execFileSync } = await import('node:child_process');
  console.log(`node ${process.version}; 300,000 calls per round, 128 in flight, best of 5 rounds per process, 10 endpoints`);
  for (let i = 0; i < 3; i++) {
    for (const name of Object.keys(scenarios)) process.stdout.write(execFileSync(process.execPath, [new URL(import.meta.url).pathname, name]));
  }
}
