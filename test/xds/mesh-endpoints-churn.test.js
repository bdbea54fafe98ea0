// Issue 18: "a change of 1,000 endpoints is applied without a pause in calls". A consumer driven by
// a real xDS control plane (go-control-plane, test/xds/go) keeps 128 calls in flight while one EDS
// push replaces every one of its cluster's 1,000 endpoints by 1,000 others.
//
// Every endpoint is real and answers: the providers listen on 0.0.0.0, and Linux delivers any
// 127.x.y.z to them, so 127.10.a.b:port and 127.20.a.b:port are 2,000 distinct addresses — each its
// own pooled client and connection, as 1,000 hosts would be — served by 4 provider runtimes. (An
// unreachable address would fail the calls sent to it, and a test that tolerated failures could
// not say "no failed call".)
//
// Measured over the change (push → EDS ACK at the new version → 1 s after): failed calls (none
// allowed), the largest gap between consecutive call completions, and the event loop's largest
// delay (monitorEventLoopDelay), beside the same figures for a steady window of equal length just
// before it (this machine pauses by itself), and the time the push's synchronous application took.
// After it the consumer lists exactly the new 1,000 endpoints and every one of them takes calls.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, t } from '@meshlet/core';
import '@meshlet/lb';
import { OutlierDetector } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { CLUSTER_LOAD_ASSIGNMENT, createXdsClient, xdsMesh } from '@meshlet/xds';
import { cluster, controlPlaneBinary, ControlPlane, listener, route, types } from './control-plane.js';

const Echo = defineService({ interface: 'com.meshlet.test.XdsChurn', methods: { echo: { params: [t.string], returns: t.string } } });
const ENDPOINTS = 1000;
const IN_FLIGHT = 128;
const PROVIDERS = 4;
// What is asserted, with room for this 2-core machine under other work (its steady windows alone
// show 40-900 ms gaps at load 10): no gap of a second (the route timeout is 3 s), and the
// synchronous part of applying the push (mapping 1,000 endpoints, the directory's update: new
// members and clients, the balancer's and the outlier detector's tables) under 250 ms of CPU. Measured
// figures are printed as diagnostics; see the commit messages for them.
const GAP_BOUND_MS = 1000;
const APPLY_BOUND_MS = 250;

let cp;
before(async () => {
  cp = await new ControlPlane(await controlPlaneBinary(), { node: 'unused' }).start();
});
after(() => cp?.kill());

/** 1,000 endpoints on the 127.<net>.0.0/16 loopback range, spread over the providers' ports. */
function assignment(net, ports) {
  const lb_endpoints = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const address = `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    lb_endpoints.push({ endpoint: { address: { socket_address: { address, port_value: ports[i % ports.length] } } } });
  }
  return { '@type': types.endpoints, cluster_name: 'churn', endpoints: [{ locality: { region: 'r1', zone: 'z1' }, lb_endpoints }] };
}

test('one EDS push replacing 1,000 endpoints under 128 calls in flight: no failed call, no pause', async (t) => {
  const providers = [];
  t.after(() => Promise.all(providers.map((p) => p.stop(0))));
  for (let i = 0; i < PROVIDERS; i++) {
    // 0.0.0.0: reached through every 127.x.y.z (see above).
    const p = createRuntime({ protocols: [dubbo()], server: { host: '0.0.0.0', port: 0 } });
    p.provide(Echo, { echo: (s) => s });
    await p.start();
    providers.push(p);
  }
  const ports = providers.map((p) => p.address().port);

  const node = `churn-${process.pid}`;
  const resources = (net) => [
    listener(Echo.interface, 'churn-routes'),
    route('churn-routes', 'churn'),
    cluster('churn', { outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s' } }),
    assignment(net, ports),
  ];
  const apply = async (net) => {
    const version = await cp.set(resources(net), { node });
    await cp.waitAcks((acks) => acks.some((a) => a.kind === 'ack' && a.typeUrl === types.endpoints && a.version === version && a.names?.includes('churn')), `EDS ACK of ${version}`, 30_000);
    return version;
  };
  const bootstrap = cp.bootstrap();
  bootstrap.node.id = node;
  const client = createXdsClient(bootstrap, { backoff: { initial: 50, max: 500 } });
  // Times the mesh's EDS watcher: the synchronous cost of applying an assignment.
  const applied = [];
  const watch = client.watch.bind(client);
  client.watch = (typeUrl, name, cb) => watch(typeUrl, name, typeUrl !== CLUSTER_LOAD_ASSIGNMENT ? cb : (...a) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      return cb(...a);
    } finally {
      const cpu = process.cpuUsage(cpu0);
      applied.push({ at: t0, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  const consumer = createRuntime({
    protocols: [dubbo()], timeout: 5000,
    mesh: xdsMesh(client, { outlierDetection: (config) => new OutlierDetector(config) }),
  });
  t.after(async () => { await consumer.stop(0); client.close(); });
  const echo = consumer.refer(Echo);
  const listed = () => consumer.introspect().references.flatMap((r) => r.endpoints);

  await apply(10);
  assert.equal(await echo.echo('first'), 'first');

  // 128 calls in flight from here to the end; every completion is timed, every failure kept.
  let running = true;
  let completed = 0;
  const failures = [];
  let window; // { last, maxGap } while a window is measured
  const worker = async () => {
    while (running) {
      try {
        await echo.echo('churn');
        completed++;
      } catch (err) {
        failures.push(err);
      }
      if (window !== undefined) {
        const now = performance.now();
        if (now - window.last > window.maxGap) window.maxGap = now - window.last;
        window.last = now;
      }
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);

  // Warm: every one of the 1,000 addresses connected (round robin reaches each within a few thousand calls).
  const warmEnd = Date.now() + 20_000;
  while (listed().filter((e) => e.calls > 0).length < ENDPOINTS && Date.now() < warmEnd) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));

  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const gcs = [];
  const gcObserver = new PerformanceObserver((list) => gcs.push(...list.getEntries().map((e) => ({ at: e.startTime, ms: e.duration }))));
  gcObserver.observe({ entryTypes: ['gc'] });
  t.after(() => gcObserver.disconnect());
  const measure = async (during) => {
    h.reset();
    window = { last: performance.now(), maxGap: 0 };
    const c0 = completed;
    const t0 = performance.now();
    await during();
    const w = window;
    window = undefined;
    const t1 = performance.now();
    // GC entries arrive a tick late: read them after the window.
    await new Promise((r) => setTimeout(r, 20));
    const gc = gcs.filter((g) => g.at >= t0 && g.at <= t1);
    return {
      ms: t1 - t0, calls: completed - c0, maxGapMs: w.maxGap, loopMaxMs: h.max / 1e6, loopP99Ms: h.percentile(99) / 1e6,
      gcMs: gc.reduce((sum, g) => sum + g.ms, 0), gcMaxMs: Math.max(0, ...gc.map((g) => g.ms)),
      applyMs: applied.filter((a) => a.at >= t0 && a.at <= t1).reduce((m, a) => Math.max(m, a.ms), 0),
      applyCpuMs: applied.filter((a) => a.at >= t0 && a.at <= t1).reduce((m, a) => Math.max(m, a.cpuMs), 0),
    };
  };

  let changeMs;
  const steady = await measure(() => new Promise((r) => setTimeout(r, 1500)));
  // Buffers held with 1,000 connections up (both sides are in this process).
  const buffersMb = process.memoryUsage().arrayBuffers / 1048576;
  const change = await measure(async () => {
    const t0 = performance.now();
    await apply(20);
    changeMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
  });
  // The load goes on until every new endpoint took a call (round robin: within ~1,000 calls).
  const usedEnd = Date.now() + 30_000;
  while (listed().filter((e) => e.calls > 0).length < ENDPOINTS && Date.now() < usedEnd) await new Promise((r) => setTimeout(r, 50));
  running = false;
  await Promise.all(workers);
  h.disable();

  const now = listed();
  const fmt = (w) => `${w.calls} calls in ${Math.round(w.ms)} ms, largest gap ${w.maxGapMs.toFixed(1)} ms, event loop max ${w.loopMaxMs.toFixed(1)} ms (p99 ${w.loopP99Ms.toFixed(1)}), GC ${w.gcMs.toFixed(0)} ms (longest ${w.gcMaxMs.toFixed(1)})`;
  t.diagnostic(`steady: ${fmt(steady)}; ${buffersMb.toFixed(0)} MB of buffers with 1,000 connections up`);
  t.diagnostic(`change: ${fmt(change)}; EDS applied in ${change.applyMs.toFixed(1)} ms (CPU ${change.applyCpuMs.toFixed(1)} ms); push → EDS ACK ${Math.round(changeMs)} ms; ${completed} calls in all, ${failures.length} failed`);

  assert.deepEqual(failures.map((e) => `${e.code}: ${e.message}`).slice(0, 5), [], `${failures.length} calls failed`);
  assert.equal(now.length, ENDPOINTS, 'the consumer lists 1,000 endpoints');
  assert.ok(now.every((e) => e.address.includes('//127.20.')), `only the new set is listed: ${now.filter((e) => !e.address.includes('//127.20.')).map((e) => e.address).slice(0, 5)}`);
  const used = now.filter((e) => e.calls > 0).length;
  assert.equal(used, ENDPOINTS, `every new endpoint took calls: ${used} of ${ENDPOINTS} did`);
  assert.ok(change.calls > 0 && steady.calls > 0);
  assert.ok(change.applyMs > 0, 'the push was applied inside the measured window');
  // CPU time, not wall time: under other work the wall time of the same section is 2-4× longer.
  assert.ok(change.applyCpuMs < APPLY_BOUND_MS, `applying 1,000 endpoints took ${change.applyCpuMs.toFixed(1)} ms of CPU (bound ${APPLY_BOUND_MS} ms; ${change.applyMs.toFixed(1)} ms wall)`);
  assert.ok(change.maxGapMs < GAP_BOUND_MS, `largest gap between completions during the change ${change.maxGapMs.toFixed(1)} ms (bound ${GAP_BOUND_MS} ms; steady ${steady.maxGapMs.toFixed(1)} ms)`);
});
