// Proxyless peers on one control plane: a Meshlet consumer (xdsMesh, Triple), grpc-go's own
// proxyless client (google.golang.org/grpc/xds, `xds:///meshlet.test.XdsWho`, test/xds/go/cmd/
// xds-grpc-consumer) and grpc-java's (io.grpc:grpc-xds 1.85.1, test/xds/java/grpc-xds-consumer)
// take the SAME resources from one go-control-plane (each under its own node id, the same snapshot
// set for each) and call the same two Meshlet Triple providers, v1 and v2. Under each push all
// must behave alike: weighted clusters 100/0 -> 70/30 -> 0/100, a route timeout tightened
// (max_stream_duration, grpc_timeout_header_max, the HCM's default), a fault abort (the configured
// status, then a 50 % share; a fixed delay), an endpoint drained under load, a cluster left with no
// usable endpoint, a retry policy. Where the peers read a field apart the test pins what each does
// (route.timeout, a cluster whose endpoints are all draining, a locality without weight, the retry
// condition on a Meshlet provider's status: packages/xds/README.md). Dubbo's own xDS module is not
// here: org.apache.dubbo:dubbo-xds 3.3.6 is not on Maven Central.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, createRuntime, defineService, RpcError } from '@meshlet/core';
import '@meshlet/lb';
import { codeForStatus, GrpcStatus, protobufMethods, triple, withStatusDetails } from '@meshlet/transport-triple';
import { createXdsClient, xdsMesh } from '@meshlet/xds';
import { cached, root } from '../fleet/lib/cache.js';
import { goModulePeer } from '../fleet/lib/go.js';
import { javaArgs, mavenRepo } from '../fleet/lib/maven.js';
import { run } from '../fleet/lib/run.js';
import { requireTool } from '../fleet/lib/toolchain.js';
import { controlPlaneBinary, ControlPlane, types } from './control-plane.js';

const SERVICE = 'meshlet.test.XdsWho';
const Who = defineService({
  interface: SERVICE,
  methods: protobufMethods(protobuf.parse(`
syntax = "proto3";
package meshlet.test;
message WhoReq { int32 delay_ms = 1; }
message WhoRep { string name = 1; }
service XdsWho { rpc Who (WhoReq) returns (WhoRep); }
`).root.lookupService(SERVICE)),
});
const T = 'type.googleapis.com/';
const FAULT = `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`;
const HCM = `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the resources every consumer takes ----

function listenerRes({ fault = false, maxStreamDuration } = {}) {
  const filters = fault ? [{ name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT } }] : [];
  return {
    '@type': types.listener,
    name: SERVICE,
    api_listener: {
      api_listener: {
        '@type': HCM,
        rds: { route_config_name: 'who-routes', config_source: { ads: {}, resource_api_version: 'V3' } },
        ...(maxStreamDuration ? { common_http_protocol_options: { max_stream_duration: maxStreamDuration } } : {}),
        http_filters: [...filters, { name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } }],
      },
    },
  };
}

/** `weights`: cluster -> weight, sent as weighted_clusters even with a single cluster or a weight of 0. */
function routeRes({ weights = { v1: 100 }, msd, timeout, fault, retry } = {}) {
  return {
    '@type': types.route,
    name: 'who-routes',
    virtual_hosts: [{
      name: 'who', domains: [SERVICE],
      routes: [{
        match: { prefix: `/${SERVICE}/` },
        route: {
          weighted_clusters: { clusters: Object.entries(weights).map(([name, weight]) => ({ name, weight })) },
          ...(msd ? { max_stream_duration: msd } : {}),
          ...(timeout ? { timeout } : {}),
          ...(retry ? { retry_policy: retry } : {}),
        },
        ...(fault ? { typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, ...fault } } } : {}),
      }],
    }],
  };
}

function clusterRes(name) {
  return {
    '@type': types.cluster, name, type: 'EDS', lb_policy: 'ROUND_ROBIN',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `${name}-eds` },
  };
}

/** gRPC uses a locality only with a load_balancing_weight (Meshlet with or without: see the last test); null leaves it out. */
function endpointsRes(name, providers, health = {}, { localityWeight = 1 } = {}) {
  return {
    '@type': types.endpoints,
    cluster_name: `${name}-eds`,
    endpoints: [{
      locality: { region: 'r1', zone: 'z1' },
      ...(localityWeight === null ? {} : { load_balancing_weight: localityWeight }),
      lb_endpoints: providers.map((p) => ({
        endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p.port } } },
        health_status: health[p.name] ?? 'HEALTHY',
      })),
    }],
  };
}

// ---- the peers ----

/**
 * A Meshlet Triple provider answering Who({ delayMs }) with its name after the delay; counts calls.
 * With `failing` set it answers every call UNAVAILABLE (gRPC status 14).
 */
async function provider(name) {
  const mesh = createRuntime({ protocols: [triple()], server: { host: '127.0.0.1', port: 0 } });
  const p = { name, calls: 0, failing: false, mesh, port: 0 };
  mesh.provide(Who, {
    Who: async ({ delayMs }) => {
      p.calls++;
      // A handler's failure is an application error (gRPC UNKNOWN) unless it names its status.
      if (p.failing) throw withStatusDetails(new RpcError(Code.Unavailable, `${name} is failing`), [], GrpcStatus.UNAVAILABLE);
      if (delayMs > 0) await sleep(delayMs);
      return { name };
    },
  });
  await mesh.start();
  p.port = mesh.address().port;
  return p;
}

/** Builds test/xds/java/grpc-xds-consumer once per content (Maven Central; ~45 MB of jars the first time). */
async function javaConsumerClasspath() {
  requireTool('java');
  requireTool('mvn');
  const dir = join(root, 'test', 'xds', 'java', 'grpc-xds-consumer');
  const out = await cached('java-grpc-xds-consumer', [dir], async (tmp) => {
    await run('mvn', ['-B', '-q', `-Dmaven.repo.local=${mavenRepo}`, '-DskipTests', 'package', 'dependency:copy-dependencies', '-DincludeScope=runtime'], { cwd: dir });
    cpSync(join(dir, 'target', 'classes'), join(tmp, 'classes'), { recursive: true });
    mkdirSync(join(tmp, 'lib'));
    for (const jar of readdirSync(join(dir, 'target', 'dependency'))) cpSync(join(dir, 'target', 'dependency', jar), join(tmp, 'lib', jar));
  });
  return [join(out, 'classes'), join(out, 'lib', '*')].join(delimiter);
}

/** A grpc consumer process (grpc-go's or grpc-java's): one JSON command per line in, one JSON answer per line out. */
class PeerConsumer {
  #child;
  #lines;
  #stderr = '';
  #queue = Promise.resolve();

  static async start(command, args, bootstrapFile) {
    const c = new PeerConsumer();
    c.#child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrapFile },
    });
    c.#child.stderr.on('data', (d) => (c.#stderr = (c.#stderr + d).slice(-8000)));
    c.#lines = createInterface({ input: c.#child.stdout })[Symbol.asyncIterator]();
    const first = await c.#next(30_000);
    assert.equal(first, 'READY', `consumer: ${first}\n${c.#stderr}`);
    return c;
  }

  async #next(ms) {
    let timer;
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`consumer: no answer within ${ms} ms\n${this.#stderr}`)), ms); });
    try {
      const { value, done } = await Promise.race([this.#lines.next(), timeout]);
      if (done) throw new Error(`consumer exited\n${this.#stderr}`);
      return value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** n calls, `inflight` at a time: { counts: {provider: n}, codes: {status: n}, ms: {status: [min, max]}, messages }. */
  calls({ n, inflight = 32, delayMs = 0, timeoutMs = 3000 }) {
    const run = this.#queue.then(async () => {
      this.#child.stdin.write(`${JSON.stringify({ op: 'calls', n, inflight, delayMs, timeoutMs })}\n`);
      const a = JSON.parse(await this.#next(120_000));
      if (a.error) throw new Error(`consumer: ${a.error}`);
      return a;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async stop() {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The Meshlet consumer's answer to the same command, in the Go consumer's shape (codes as gRPC names). */
const GRPC_NAME = { [Code.Timeout]: 'DeadlineExceeded', [Code.Unavailable]: 'Unavailable', [Code.ServerBusy]: 'ResourceExhausted', [Code.PermissionDenied]: 'PermissionDenied' };
async function meshletCalls(who, { n, inflight = 32, delayMs = 0 }) {
  const a = { counts: {}, codes: {}, ms: {}, messages: {}, errors: [] };
  let next = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < n) {
      next++;
      const t0 = Date.now();
      let code = 'OK';
      try {
        const { name } = await who.Who({ delayMs });
        a.counts[name] = (a.counts[name] ?? 0) + 1;
      } catch (err) {
        code = GRPC_NAME[err.code] ?? String(err.code);
        a.messages[code] ??= err.message;
        a.errors.push(err);
      }
      const ms = Date.now() - t0;
      a.codes[code] = (a.codes[code] ?? 0) + 1;
      const r = a.ms[code] ?? [ms, ms];
      a.ms[code] = [Math.min(r[0], ms), Math.max(r[1], ms)];
    }
  }));
  return a;
}

// ---- the test ----

let cp;
let goBinary;
let javaClasspath;
let dir;
before(async () => {
  // First builds fetch go-control-plane, grpc-go's xds client and grpc-java's (a minute or two each); cached after.
  [goBinary, javaClasspath] = await Promise.all([goModulePeer('test/xds/go', 'xds-grpc-consumer'), javaConsumerClasspath(), controlPlaneBinary()]);
  cp = await new ControlPlane(await controlPlaneBinary(), { node: 'unused' }).start();
  dir = mkdtempSync(join(tmpdir(), 'meshlet-xds-peers-'));
});
after(async () => {
  await cp?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Meshlet, grpc-go and grpc-java, proxyless on the same control plane, read the same pushes alike', async (t) => {
  const nodes = { meshlet: `peers-meshlet-${process.pid}`, 'grpc-go': `peers-grpc-go-${process.pid}`, 'grpc-java': `peers-grpc-java-${process.pid}` };
  const [v1, v2] = await Promise.all([provider('v1'), provider('v2')]);
  t.after(() => Promise.all([v1.mesh.stop(0), v2.mesh.stop(0)]));

  let versions = 0;
  const peers = {};
  /**
   * Sets the same snapshot for every node and waits until each ACKed, at that version, its route
   * configuration and every cluster given a weight (with its endpoints) by name. gRPC ACKs a
   * response once parsed and applies it after (its watchers run on another goroutine / thread), so
   * `settled(answer, peer)`, when given, is then asked of a probe of 8 calls from each gRPC peer until
   * it holds: the sign, chosen per push, that the peer applied it (Meshlet applies before it ACKs).
   */
  const apply = async ({ listener, route = {}, health = {}, pool = false, localityWeight = 1, settled, probe = {} } = {}) => {
    const version = `p${++versions}`;
    const resources = [
      listenerRes(listener), routeRes(route),
      clusterRes('v1'), clusterRes('v2'), clusterRes('pool'),
      endpointsRes('v1', [v1], health, { localityWeight }), endpointsRes('v2', [v2], health),
      endpointsRes('pool', [v1, v2], pool ? health : {}),
    ];
    await Promise.all(Object.values(nodes).map((node) => cp.set(resources, { node, version })));
    const used = Object.entries(route.weights ?? { v1: 100 }).filter(([, w]) => w > 0).map(([c]) => c);
    await cp.waitAcks((acks) => {
      const acked = (node, type, name) => acks.some((x) => x.kind === 'ack' && x.node === node && x.typeUrl === type && x.version === version && (name === undefined || x.names?.includes(name)));
      return Object.values(nodes).every((node) => acked(node, types.route) && used.every((c) => acked(node, types.cluster, c) && acked(node, types.endpoints, `${c}-eds`)));
    }, `every node's ACK of ${version}`, 30_000);
    if (settled) {
      await Promise.all(Object.entries(peers).map(async ([peer, c]) => {
        const end = Date.now() + 20_000;
        for (;;) {
          const a = await c.calls({ n: 8, inflight: 8, ...probe });
          if (settled(a, peer)) return;
          if (Date.now() > end) throw new Error(`${peer} did not apply ${version} within 20 s: ${JSON.stringify(a)}`);
        }
      }));
    }
    return version;
  };

  const bootstrap = (node) => {
    const b = cp.bootstrap();
    b.node.id = node;
    return b;
  };
  const client = createXdsClient(bootstrap(nodes.meshlet), { backoff: { initial: 50, max: 500 } });
  const consumer = createRuntime({ protocols: [triple()], mesh: xdsMesh(client), timeout: 3000 });
  t.after(async () => { await consumer.stop(0); client.close(); });
  const who = consumer.refer(Who);
  for (const [peer, start] of Object.entries({
    'grpc-go': (file) => PeerConsumer.start(goBinary, ['-target', `xds:///${SERVICE}`], file),
    'grpc-java': (file) => PeerConsumer.start('java', javaArgs(javaClasspath, 'meshlet.xds.Consumer', [`xds:///${SERVICE}`]), file),
  })) {
    const file = join(dir, `${peer}-bootstrap.json`);
    writeFileSync(file, JSON.stringify(bootstrap(nodes[peer])));
    peers[peer] = await start(file);
    t.after(() => peers[peer].stop());
  }
  // The Meshlet reference subscribes on its first call, the grpc channels at once (leaving idle).
  const firstCall = who.Who({ delayMs: 0 });
  await apply({ route: { weights: { v1: 100, v2: 0 } } });
  assert.equal((await firstCall).name, 'v1');

  /** The same calls from every consumer, at once: { meshlet, 'grpc-go', 'grpc-java' }. */
  const all = async (cmd) => {
    const [meshlet, ...others] = await Promise.all([meshletCalls(who, cmd), ...Object.values(peers).map((p) => p.calls(cmd))]);
    return { meshlet, ...Object.fromEntries(Object.keys(peers).map((k, i) => [k, others[i]])) };
  };
  const share = (a, name, n) => (a.counts[name] ?? 0) / n;

  await t.test('weighted clusters 100/0 -> 70/30 -> 0/100: each consumer splits within 0.05 of the weights', async () => {
    // 2,000 calls at p = 0.3 have σ ≈ 0.010: ±0.05 is 4.9σ.
    const N = 2000;
    let r = await all({ n: N });
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.counts, { v1: N }, `${peer} at 100/0: ${JSON.stringify(a.codes)} ${JSON.stringify(a.messages)}`);
    await apply({ route: { weights: { v1: 70, v2: 30 } }, settled: (a) => a.counts.v2 > 0 });
    r = await all({ n: N });
    for (const [peer, a] of Object.entries(r)) {
      assert.deepEqual(a.codes, { OK: N }, `${peer} at 70/30`);
      assert.ok(Math.abs(share(a, 'v2', N) - 0.3) < 0.05, `${peer} at 70/30: ${JSON.stringify(a.counts)}`);
    }
    await apply({ route: { weights: { v1: 0, v2: 100 } }, settled: (a) => a.counts.v2 === 8 });
    r = await all({ n: N });
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.counts, { v2: N }, `${peer} at 0/100: ${JSON.stringify(a.codes)}`);
  });

  await t.test('a route timeout tightened: each sees DEADLINE_EXCEEDED at the new value', async () => {
    const slow = { n: 64, inflight: 64, delayMs: 400 };
    // Each timeout comes after a push without one, so that a probe tells when a peer applied it.
    const untimed = { route: { msd: { max_stream_duration: '3s' } }, probe: { delayMs: 400 } };
    const deadlines = { probe: { delayMs: 400 }, settled: (a) => a.codes.DeadlineExceeded === 8 };
    await apply({ ...untimed, settled: (a) => a.counts.v1 === 8 });
    let r = await all(slow);
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.codes, { OK: 64 }, `${peer} under a 3 s max_stream_duration`);
    const timedOut = (r, atMs, what) => {
      for (const [peer, a] of Object.entries(r)) {
        assert.deepEqual(a.codes, { DeadlineExceeded: 64 }, `${peer} under ${what}: ${JSON.stringify(a.messages)}`);
        const [min, max] = a.ms.DeadlineExceeded;
        assert.ok(min >= atMs - 20 && max < atMs + 1000, `${peer} timed out after ${min}-${max} ms (${what} ${atMs} ms)`);
      }
    };
    await apply({ route: { msd: { max_stream_duration: '0.2s' } }, ...deadlines });
    timedOut(await all(slow), 200, 'route max_stream_duration');
    await apply({ ...untimed, settled: (a) => a.codes.OK === 8 });
    // grpc_timeout_header_max wins over max_stream_duration (gRFC A31, as grpc-go reads it).
    await apply({ route: { msd: { max_stream_duration: '3s', grpc_timeout_header_max: '0.25s' } }, ...deadlines });
    timedOut(await all(slow), 250, 'route grpc_timeout_header_max');
    await apply({ ...untimed, settled: (a) => a.codes.OK === 8 });
    // A route without max_stream_duration takes the HttpConnectionManager's (common_http_protocol_options).
    await apply({ listener: { maxStreamDuration: '0.2s' }, ...deadlines });
    timedOut(await all(slow), 200, "the listener's max_stream_duration");
    // route.timeout: Envoy's upstream timeout. gRPC ignores it (A31); Meshlet honours it when no
    // max_stream_duration is set (packages/xds/README.md): the one field the two read apart.
    await apply({ route: { timeout: '0.2s' }, probe: { delayMs: 400 }, settled: (a) => a.codes.OK === 8 });
    r = await all(slow);
    assert.deepEqual(r['grpc-go'].codes, { OK: 64 }, 'grpc-go ignores route.timeout');
    assert.deepEqual(r['grpc-java'].codes, { OK: 64 }, 'grpc-java ignores route.timeout');
    assert.deepEqual(r.meshlet.codes, { DeadlineExceeded: 64 }, 'Meshlet honours route.timeout');
  });

  await t.test('a fault abort: each fails with the configured status, unsent; then with its share; a fixed delay', async () => {
    const sent = () => v1.calls + v2.calls;
    await apply({ listener: { fault: true }, route: { fault: { abort: { grpc_status: 8, percentage: { numerator: 100 } } } }, settled: (a) => a.codes.ResourceExhausted === 8 });
    let before = sent();
    let r = await all({ n: 200 });
    assert.equal(codeForStatus(8), Code.ServerBusy);
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.codes, { ResourceExhausted: 200 }, `${peer} under an abort of grpc_status 8: ${JSON.stringify(a.messages)}`);
    assert.equal(sent(), before, 'faulted calls reach no provider');
    // http_status 403 through gRPC's HTTP mapping: PERMISSION_DENIED; 50 %: 1,000 calls have σ ≈ 0.016, ±0.08 is 5σ.
    await apply({ listener: { fault: true }, route: { fault: { abort: { http_status: 403, percentage: { numerator: 50 } } } }, settled: (a) => a.codes.ResourceExhausted === undefined });
    before = sent();
    r = await all({ n: 1000 });
    for (const [peer, a] of Object.entries(r)) {
      assert.deepEqual(Object.keys(a.codes).sort(), ['OK', 'PermissionDenied'], `${peer}: ${JSON.stringify(a.codes)}`);
      assert.ok(Math.abs(a.codes.PermissionDenied / 1000 - 0.5) < 0.08, `${peer} aborted ${a.codes.PermissionDenied} of 1000 at 50 %`);
    }
    assert.equal(sent() - before, Object.values(r).reduce((sum, a) => sum + a.codes.OK, 0), 'only the calls not aborted were sent');
    // A fixed delay (150 ms, 100 %): every call answers, none sooner.
    await apply({ listener: { fault: true }, route: { fault: { delay: { fixed_delay: '0.15s', percentage: { numerator: 100 } } } }, settled: (a) => a.codes.OK === 8 && a.ms.OK[0] >= 140 });
    r = await all({ n: 64 });
    for (const [peer, a] of Object.entries(r)) {
      assert.deepEqual(a.codes, { OK: 64 }, `${peer} under a delay fault`);
      assert.ok(a.ms.OK[0] >= 140 && a.ms.OK[1] < 1500, `${peer} answered in ${a.ms.OK[0]}-${a.ms.OK[1]} ms under a 150 ms delay`);
    }
    await apply({ listener: { fault: true }, settled: (a) => a.codes.OK === 8 && a.ms.OK[1] < 140 });
    r = await all({ n: 100 });
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.codes, { OK: 100 }, `${peer} with the fault filter and no fault`);
  });

  await t.test('an endpoint drained under load: no call fails, then none reaches it; a cluster with none usable (grpc-java differs)', async () => {
    await apply({ route: { weights: { pool: 100 } }, settled: (a) => a.counts.v2 > 0 });
    let r = await all({ n: 1000 });
    for (const [peer, a] of Object.entries(r)) {
      assert.deepEqual(a.codes, { OK: 1000 }, peer);
      assert.ok(a.counts.v1 > 300 && a.counts.v2 > 300, `${peer} round robin over the pool: ${JSON.stringify(a.counts)}`);
    }
    // v1 drained while every consumer keeps 32 calls of 5 ms in flight.
    const during = all({ n: 3000, delayMs: 5 });
    await sleep(300);
    await apply({ route: { weights: { pool: 100 } }, pool: true, health: { v1: 'DRAINING' } });
    r = await during;
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.codes, { OK: 3000 }, `${peer} across the drain: ${JSON.stringify(a.messages)}`);
    // The probe (after the calls in flight): round robin over two would answer v1 within 8 calls.
    await apply({ route: { weights: { pool: 100 } }, pool: true, health: { v1: 'DRAINING' }, settled: (a) => a.counts.v2 === 8 });
    const v1Calls = v1.calls;
    r = await all({ n: 1000 });
    for (const [peer, a] of Object.entries(r)) assert.deepEqual(a.counts, { v2: 1000 }, `${peer} after v1 drained`);
    assert.equal(v1.calls, v1Calls, 'no call reaches the drained endpoint');
    // The v1 cluster's only endpoint drained: Meshlet's and grpc-go's calls fail UNAVAILABLE at
    // once, unsent; grpc-java 1.85.1 sends them to the drained endpoint (README).
    await apply({ route: { weights: { v1: 100 } }, health: { v1: 'DRAINING' }, settled: (a) => a.counts.v2 === undefined });
    const v1Before = v1.calls;
    r = await all({ n: 64 });
    for (const peer of ['meshlet', 'grpc-go']) {
      const a = r[peer];
      assert.deepEqual(a.codes, { Unavailable: 64 }, `${peer} with no usable endpoint: ${JSON.stringify(a.messages)}`);
      assert.ok(a.ms.Unavailable[1] < 1500, `${peer} failed within ${a.ms.Unavailable[1]} ms`);
    }
    assert.deepEqual(r['grpc-java'].counts, { v1: 64 }, 'grpc-java calls the drained endpoint when its cluster has no other');
    assert.equal(v1.calls, v1Before + 64, 'only grpc-java reached the drained endpoint');
  });

  await t.test('a retry policy (retry_on unavailable) on a provider answering UNAVAILABLE: the gRPC peers retry, Meshlet reads the answer as BUSINESS (README)', async (t) => {
    t.after(() => { v1.failing = false; });
    await apply({ route: { weights: { pool: 100 } }, settled: (a) => a.counts.v1 > 0 && a.counts.v2 > 0 });
    v1.failing = true;
    // Without a retry policy the calls picked onto v1 (about half) fail: 1,000 calls, ±0.08 is 5σ.
    let r = await all({ n: 1000 });
    const failed = { meshlet: 'BUSINESS', 'grpc-go': 'Unavailable', 'grpc-java': 'Unavailable' };
    for (const [peer, a] of Object.entries(r)) {
      assert.deepEqual(Object.keys(a.codes).sort(), ['OK', failed[peer]].sort(), `${peer}: ${JSON.stringify(a.codes)}`);
      assert.ok(Math.abs(a.codes[failed[peer]] / 1000 - 0.5) < 0.08, `${peer}: ${JSON.stringify(a.codes)}`);
    }
    // The answer is gRPC status 14 with Meshlet's own code trailer saying BUSINESS (the provider
    // runtime's wrap of a handler's failure): the Meshlet consumer keeps the status beside its code.
    assert.ok(r.meshlet.errors.every((e) => e.code === Code.Business && e.status === GrpcStatus.UNAVAILABLE));
    await apply({ route: { weights: { pool: 100 }, retry: { retry_on: 'unavailable', num_retries: 4 } }, settled: (a) => a.codes.OK === 8 });
    const v1Before = v1.calls;
    r = await all({ n: 1000 });
    // gRPC: up to 5 attempts per call, each a fresh pick (round robin shared with the other calls).
    for (const peer of Object.keys(peers)) {
      const a = r[peer];
      assert.ok((a.codes.Unavailable ?? 0) < 100, `${peer} with retries: ${JSON.stringify(a.codes)}`);
    }
    assert.ok(Math.abs(r.meshlet.codes.BUSINESS / 1000 - 0.5) < 0.08, `Meshlet does not retry BUSINESS: ${JSON.stringify(r.meshlet.codes)}`);
    assert.ok(v1.calls - v1Before > 1000, `retried attempts reached v1: ${v1.calls - v1Before}`);
  });

  await t.test('a locality without load_balancing_weight: Meshlet and grpc-java use it, grpc-go leaves it out (README)', async () => {
    // From a push that routes to v2 only: the gRPC peers stop watching v1 and watch it anew, so an
    // answer from v1 (or grpc-go's failure) is the weightless assignment, not a stale one.
    await apply({ route: { weights: { v2: 100 } }, settled: (a) => a.counts.v2 === 8 });
    await apply({ route: { weights: { v1: 100 } }, localityWeight: null, settled: (a, peer) => (peer === 'grpc-go' ? a.codes.Unavailable === 8 : a.counts.v1 === 8) });
    const r = await all({ n: 64 });
    assert.deepEqual(r.meshlet.counts, { v1: 64 });
    assert.deepEqual(r['grpc-java'].counts, { v1: 64 });
    assert.deepEqual(r['grpc-go'].codes, { Unavailable: 64 });
    assert.match(r['grpc-go'].messages.Unavailable, /no targets to pick from/);
  });
});
