// A real xDS control plane for tests: our Go program on go-control-plane's ADS server and snapshot
// cache (test/xds/go/cmd/xds-control-plane), driven over its loopback HTTP API. `set()` puts a
// snapshot (resources as protojson with "@type", parsed by Go against Envoy's registered types),
// `acks()` returns the ACKs/NACKs it saw (so tests assert what the control plane received),
// `kill()` SIGKILLs it and `restart()` brings it back on the same ports with an empty cache.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { goModulePeer } from '../fleet/lib/go.js';

let binaryPromise;

/** Builds the peer once per content of test/xds/go (minutes the first time: it fetches go-control-plane). */
export function controlPlaneBinary() {
  binaryPromise ??= goModulePeer('test/xds/go', 'xds-control-plane');
  return binaryPromise;
}

export class ControlPlane {
  #binary;
  #child;
  #exited;
  #stderr = '';
  #version = 0;

  constructor(binary, { node = 'meshlet-test', xdsPort = 0, apiPort = 0 } = {}) {
    this.#binary = binary;
    this.node = node;
    this.xdsPort = xdsPort;
    this.apiPort = apiPort;
  }

  /** gRPC target of the ADS server. */
  get target() {
    return `127.0.0.1:${this.xdsPort}`;
  }

  /** A bootstrap (gRPC's format) pointing at this control plane, as this node. */
  bootstrap({ delta = false, features = [] } = {}) {
    return {
      xds_servers: [{ server_uri: this.target, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3', ...features, ...(delta ? ['meshlet_delta'] : [])] }],
      node: { id: this.node, cluster: 'meshlet-tests', locality: { region: 'r1', zone: 'z1' }, metadata: { TEST: 'xds' } },
    };
  }

  async start() {
    const child = spawn(this.#binary, ['-xds-port', String(this.xdsPort), '-api-port', String(this.apiPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#stderr = '';
    child.stderr.on('data', (d) => (this.#stderr = (this.#stderr + d).slice(-8000)));
    this.#exited = once(child, 'exit');
    const ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`xds-control-plane: no READY within 30 s\n${this.#stderr}`)), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^READY xds=(\d+) api=(\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`xds-control-plane exited ${signal ?? code} before READY\n${this.#stderr}`));
      });
    });
    this.xdsPort = Number(ready[1]);
    this.apiPort = Number(ready[2]);
    return this;
  }

  async #api(method, path, body) {
    const res = await fetch(`http://127.0.0.1:${this.apiPort}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`xds-control-plane ${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  /** Sets the snapshot of `node` (default this.node): every resource, by its "@type". Resolves with the version. */
  async set(resources, { node = this.node, version = `v${++this.#version}` } = {}) {
    await this.#api('POST', '/snapshot', { node, version, resources });
    return version;
  }

  /** ACKs and NACKs seen: [{ kind: 'ack'|'nack', delta, stream, typeUrl, version, nonce, error, ... }]. */
  acks() {
    return this.#api('GET', '/acks');
  }

  /** Every request, response and stream close seen. */
  events() {
    return this.#api('GET', '/events');
  }

  /** Polls `/acks` until `pred(acks)` gives a truthy value, which it resolves with; rejects after `ms`. */
  async waitAcks(pred, what, ms = 20_000) {
    const end = Date.now() + ms;
    for (;;) {
      const acks = await this.acks();
      const hit = pred(acks);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`xds-control-plane: no ${what} within ${ms} ms; acks: ${JSON.stringify(acks)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill() {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#exited;
  }

  /** Killed (if running) and started again on the same ports: an empty cache, as a restarted control plane. */
  async restart() {
    await this.kill();
    return this.start();
  }
}

/** Builds (once) and starts a control plane. */
export async function startControlPlane(options = {}) {
  return new ControlPlane(await controlPlaneBinary(), options).start();
}

// Resources in protojson, as the control plane parses them.
const T = 'type.googleapis.com/';
export const types = {
  listener: `${T}envoy.config.listener.v3.Listener`,
  route: `${T}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  endpoints: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
};

/**
 * A client listener (api_listener) whose HttpConnectionManager takes its routes from RDS over ADS;
 * `filters` (e.g. fault) go before the router.
 */
export function listener(name, routeName, { router = true, filters = [] } = {}) {
  const httpFilters = [...filters, ...(router ? [{ name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } }] : [])];
  return {
    '@type': types.listener,
    name,
    api_listener: {
      api_listener: {
        '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
        rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
        http_filters: httpFilters,
      },
    },
  };
}

export function route(name, cluster, domains = ['*']) {
  return {
    '@type': types.route,
    name,
    virtual_hosts: [{ name: 'vh', domains, routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '3s' } }] }],
  };
}

export function cluster(name, extra = {}) {
  return {
    '@type': types.cluster,
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    lb_policy: 'ROUND_ROBIN',
    ...extra,
  };
}

/** A ClusterLoadAssignment with `count` endpoints 10.0.x.y:port in one locality. */
export function endpoints(clusterName, count = 1, port = 20880) {
  const lb_endpoints = [];
  for (let i = 0; i < count; i++) {
    lb_endpoints.push({ endpoint: { address: { socket_address: { address: `10.0.${i >> 8}.${i & 255}`, port_value: port } } } });
  }
  return { '@type': types.endpoints, cluster_name: clusterName, endpoints: [{ locality: { region: 'r1', zone: 'z1' }, lb_endpoints }] };
}
