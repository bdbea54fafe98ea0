#!/usr/bin/env node
// Meshlet bench harness. Runs every (scenario, row) pair as two separate processes, a server and a
// client, one pair at a time, and prints one table with ratios against a baseline row per
// scenario, plus bench/results/latest.json. See bench/README.md.
//
//   node bench/run.js [--only REGEX] [--seconds N] [--warmup N] [--repeat N] [--quick]
//                     [--baseline ROW] [--payloads 16,1024] [--concurrency 1,128]
//                     [--echo-version 1.0] [--pin] [--out FILE] [--list] [--large] [--connections N]
//
// --connections N adds a row `meshlet-cN`: meshlet → meshlet with N connections per provider
// address (the runtime's `connections`), to set beside `meshlet` (one connection).
//
// A row whose processes fail (missing script, crash, timeout, no JSON line) shows `n/a` and the
// reason; the harness goes on. Every child runs in its own process group and is killed on exit.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetRows } from './fleet/rows.js';
import { tlsRows, tlsScenario } from './tls/rows.js';
import { tripleRows, tripleStreamScenario } from './triple/rows.js';
import { xdsRows } from './xds/rows.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const PEERS = 'test/interop/peers';

// ---------------------------------------------------------------------------------------------
// Options
function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/run.js [--only REGEX] [--seconds N] [--warmup N] [--repeat N] [--quick] [--baseline ROW]\n' +
      '                         [--payloads 16,1024] [--concurrency 1,128] [--echo-version V] [--pin]\n' +
      '                         [--out FILE] [--list] [--large] [--connections N]\n'
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    only: null,
    seconds: 3,
    warmup: 1,
    repeat: 1,
    quick: false,
    baseline: 'adc-ads',
    ceiling: 'raw-batched',
    payloads: [16, 1024],
    concurrency: [1, 128],
    echoVersion: '1.0',
    pin: false,
    out: path.join(ROOT, 'bench/results/latest.json'),
    list: false,
    large: false,
    connections: 1,
  };
  let secondsGiven = false;
  let warmupGiven = false;
  const nums = (s) => s.split(',').map((x) => Number(x.trim())).filter((n) => Number.isFinite(n) && n >= 0);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => (i + 1 < argv.length ? argv[++i] : usage(`missing value for ${a}`));
    switch (a) {
      case '--only': o.only = new RegExp(v(), 'i'); break;
      case '--seconds': o.seconds = Number(v()); secondsGiven = true; break;
      case '--warmup': o.warmup = Number(v()); warmupGiven = true; break;
      case '--repeat': o.repeat = Math.max(1, Number(v()) | 0); break;
      case '--quick': o.quick = true; break;
      case '--baseline': o.baseline = v(); break;
      case '--payloads': o.payloads = nums(v()); break;
      case '--concurrency': o.concurrency = nums(v()).map((n) => Math.max(1, n | 0)); break;
      case '--echo-version': o.echoVersion = v(); break;
      case '--pin': o.pin = true; break;
      case '--out': o.out = path.resolve(v()); break;
      case '--list': o.list = true; break;
      case '--large': o.large = true; break;
      case '--connections': o.connections = Number(v()); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.quick) {
    if (!secondsGiven) o.seconds = 1;
    if (!warmupGiven) o.warmup = 0.5;
  }
  if (!(o.seconds > 0)) usage('--seconds must be > 0');
  if (!(o.warmup >= 0)) usage('--warmup must be >= 0');
  if (!o.payloads.length || !o.concurrency.length) usage('empty --payloads / --concurrency');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Scenarios and rows
const fmtBytes = (n) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);

function scenarios(o) {
  const out = [];
  for (const payload of o.payloads) {
    for (const concurrency of o.concurrency) {
      out.push({
        id: `echo-${n2id(payload)}-c${concurrency}`,
        label: `echo ${fmtBytes(payload)}, ${concurrency} in flight`,
        payload,
        concurrency,
      });
    }
  }
  // New connections per second, plaintext beside mTLS (tls/rows.js): only its own rows run there.
  out.push(tlsScenario());
  // Server streaming, items/s: Triple against grpc-js (triple/rows.js): only its own rows run there.
  out.push(tripleStreamScenario());
  if (o.large) {
    // Linear cost in payload size (issue 14): one 8 MB echo at a time (8,000,000 B: with its header
    // it stays under the default 8 MiB frame limit), Meshlet per protocol against the raw TCP echo.
    out.push({
      id: 'echo-8MB-c1',
      label: 'echo 8 MB, 1 in flight',
      payload: 8_000_000,
      concurrency: 1,
      rows: ['raw-batched', 'meshlet', 'meshlet-bolt', 'meshlet-motan2', 'meshlet-rsocket', `meshlet-c${o.connections}`],
    });
    // 64 MiB: the frame limit raised on both sides of every row (raw echo included). RSocket's
    // 24-bit frame length stops at 16 MiB: its request and result travel as 4 fragments each.
    out.push({
      id: 'echo-64MiB-c1',
      label: 'echo 64 MiB, 1 in flight',
      payload: 64 * 1024 * 1024,
      concurrency: 1,
      rows: ['raw-batched', 'meshlet', 'meshlet-bolt', 'meshlet-motan2', 'meshlet-rsocket'],
      extraArgs: ['--max-frame-size', String(80 * 1024 * 1024)],
    });
  }
  return out;
}
/** The row with the scenario's extra arguments after both its server's and its client's. */
function withArgs(row, extra) {
  return { ...row, server: () => [...row.server(), ...extra], client: (...a) => [...row.client(...a), ...extra] };
}
function n2id(n) {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024}KiB` : `${n}B`;
}

// Client argv common to every row (the conformance consumer's --bench contract).
const benchArgs = (port, sc, seconds) => [
  '--target', `127.0.0.1:${port}`, '--bench', '--method', 'echo',
  '--payload', String(sc.payload), '--concurrency', String(sc.concurrency),
  '--seconds', String(seconds), '--connections', '1',
];

const MESHLET_PROVIDER = (o, protocol = 'dubbo') => ['examples/conformance/provider.js', '--protocol', protocol, '--port', '0'];
const MESHLET_CONSUMER = (o, protocol = 'dubbo', query = '') => (port, sc, seconds) => [
  'examples/conformance/consumer.js', '--protocol', protocol, ...benchArgs(port, sc, seconds).map((a) => (a === `127.0.0.1:${port}` ? a + query : a)),
];
const PEER_PROVIDER = (o, echoVersion) => [`${PEERS}/dubbo-service-provider.cjs`, '--quiet', ...(echoVersion ? ['--echo-version', echoVersion] : [])];
const PEER_CONSUMER = (client, echoVersion) => (port, sc, seconds) => [
  `${PEERS}/dubbo-consumer-peer.cjs`, '--client', client, ...(echoVersion ? ['--echo-version', echoVersion] : []),
  ...benchArgs(port, sc, seconds),
];
const SOFA_PROVIDER = () => [`${PEERS}/sofa-provider.cjs`, '--quiet'];
const SOFA_CONSUMER = (port, sc, seconds) => [`${PEERS}/sofa-consumer-peer.cjs`, ...benchArgs(port, sc, seconds)];
// Sidecar mode: the consumer names no target; MESHLET_AGENT (clientEnv) points it at agent A.
const SIDECAR_CONSUMER = (port, sc, seconds) => ['examples/conformance/consumer.js', '--protocol', 'dubbo', ...benchArgs(port, sc, seconds).slice(2)];
const SIDECAR_ENV = (port) => ({ MESHLET_AGENT: `meshlet://127.0.0.1:${port}` });

function rows(o) {
  return [
    {
      id: 'raw-batched',
      label: 'raw TCP echo, batched writes (ceiling)',
      server: () => ['bench/raw-tcp/server.js', '--port', '0'],
      client: (port, sc, seconds) => ['bench/raw-tcp/client.js', ...benchArgs(port, sc, seconds)],
    },
    {
      id: 'raw-per-frame',
      label: 'raw TCP echo, one write per frame',
      server: () => ['bench/raw-tcp/server.js', '--port', '0', '--writes', 'per-frame'],
      client: (port, sc, seconds) => ['bench/raw-tcp/client.js', '--writes', 'per-frame', ...benchArgs(port, sc, seconds)],
    },
    {
      id: 'meshlet',
      label: 'meshlet → meshlet',
      server: () => MESHLET_PROVIDER(o),
      client: MESHLET_CONSUMER(o),
    },
    ...(o.connections > 1 ? [{
      id: `meshlet-c${o.connections}`,
      label: `meshlet → meshlet, ${o.connections} connections`,
      server: () => MESHLET_PROVIDER(o),
      client: (port, sc, seconds) => [...MESHLET_CONSUMER(o)(port, sc, seconds).slice(0, -1), String(o.connections)],
    }] : []),
    {
      id: 'sidecar-1',
      label: 'meshlet → agent → meshlet (sidecar)',
      server: () => ['bench/sidecar/stack.js', '--agents', '1'],
      client: SIDECAR_CONSUMER,
      clientEnv: SIDECAR_ENV,
    },
    {
      id: 'sidecar-2',
      label: 'meshlet → agent → agent → meshlet (sidecar)',
      server: () => ['bench/sidecar/stack.js', '--agents', '2'],
      client: SIDECAR_CONSUMER,
      clientEnv: SIDECAR_ENV,
    },
    {
      id: 'meshlet-motan2',
      label: 'meshlet → meshlet, Motan2 simple',
      server: () => MESHLET_PROVIDER(o, 'motan2'),
      client: MESHLET_CONSUMER(o, 'motan2'),
    },
    {
      id: 'meshlet-breeze',
      label: 'meshlet → meshlet, Motan2 breeze',
      server: () => MESHLET_PROVIDER(o, 'motan2'),
      // The consumer's serialization comes from the target's parameter, as from a Motan registry URL.
      client: MESHLET_CONSUMER(o, 'motan2', '?serialization=breeze'),
    },
    {
      id: 'meshlet-rsocket',
      label: 'meshlet → meshlet, RSocket (JSON)',
      server: () => MESHLET_PROVIDER(o, 'rsocket'),
      client: MESHLET_CONSUMER(o, 'rsocket'),
    },
    {
      id: 'meshlet-tri',
      label: 'meshlet → meshlet, Triple (HTTP/2)',
      server: () => MESHLET_PROVIDER(o, 'tri'),
      client: MESHLET_CONSUMER(o, 'tri'),
    },
    {
      id: 'grpc-js',
      label: 'grpc-js unary → grpc-js',
      server: () => ['bench/grpc/server.js', '--port', '0'],
      client: (port, sc, seconds) => ['bench/grpc/client.js', ...benchArgs(port, sc, seconds)],
    },
    {
      id: 'adc-meshlet',
      label: 'apache-dubbo-consumer → meshlet',
      server: () => MESHLET_PROVIDER(o),
      client: PEER_CONSUMER('apache-dubbo-consumer', o.echoVersion),
    },
    {
      id: 'meshlet-ads',
      label: 'meshlet → apache-dubbo-service',
      server: () => PEER_PROVIDER(o, o.echoVersion),
      client: MESHLET_CONSUMER(o),
    },
    {
      id: 'adc-ads',
      label: 'apache-dubbo-consumer → apache-dubbo-service',
      server: () => PEER_PROVIDER(o, ''),
      client: PEER_CONSUMER('apache-dubbo-consumer', ''),
    },
    {
      id: 'd2js-ads',
      label: 'dubbo2.js → apache-dubbo-service',
      server: () => PEER_PROVIDER(o, ''),
      client: PEER_CONSUMER('dubbo2.js', ''),
    },
    // SOFA Bolt (compare with `--baseline srn-srn`). The sofa-rpc-node peers always run in their own
    // processes: in one process with anything under load the package degrades (bolt-sofa.md §2.6-6).
    {
      id: 'meshlet-bolt',
      label: 'meshlet → meshlet, Bolt',
      server: () => MESHLET_PROVIDER(o, 'bolt'),
      client: MESHLET_CONSUMER(o, 'bolt'),
    },
    {
      id: 'srn-meshlet',
      label: 'sofa-rpc-node → meshlet, Bolt',
      server: () => MESHLET_PROVIDER(o, 'bolt'),
      client: SOFA_CONSUMER,
    },
    {
      id: 'meshlet-srn',
      label: 'meshlet → sofa-rpc-node, Bolt',
      server: SOFA_PROVIDER,
      client: MESHLET_CONSUMER(o, 'bolt'),
    },
    {
      id: 'srn-srn',
      label: 'sofa-rpc-node → sofa-rpc-node, Bolt',
      server: SOFA_PROVIDER,
      client: SOFA_CONSUMER,
    },
    ...fleetRows(),
    ...tlsRows(benchArgs),
    ...tripleRows(benchArgs),
    ...xdsRows(benchArgs),
  ];
}

// ---------------------------------------------------------------------------------------------
// Process management: each child leads its own process group; all are killed on exit.
const live = new Set();

// A process is a node script's argv, or `{ cmd, args }` for a Java or Go peer of the fleet rows.
const command = (spec) => (Array.isArray(spec) ? { cmd: NODE, args: spec } : spec);
const describeCommand = (spec) => [command(spec).cmd === NODE ? 'node' : command(spec).cmd, ...command(spec).args].join(' ');

function launch(spec, cpu, o, env = {}) {
  const { cmd: bin, args } = command(spec);
  const [cmd, argv] = o.pin && cpu !== undefined ? ['taskset', ['-c', String(cpu), bin, ...args]] : [bin, args];
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, FORCE_COLOR: '0', ...env } });
  live.add(child);
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    child.stdoutText += d;
    if (child.stdoutText.length > 1 << 20) child.stdoutText = child.stdoutText.slice(-(1 << 19));
  });
  child.stderr.on('data', (d) => {
    child.stderrText += d;
    if (child.stderrText.length > 1 << 16) child.stderrText = child.stderrText.slice(-(1 << 15));
  });
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      live.delete(child);
      child.stderrText += `\nspawn error: ${err.message}`;
      resolve({ code: -1, signal: null });
    });
  });
  return child;
}

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

async function stop(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  killGroup(child, 'SIGTERM');
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(t);
}

function killAll() {
  for (const c of live) killGroup(c, 'SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, stopping children\n`);
    killAll();
    process.exit(130);
  });
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function reason(child, fallback) {
  const lines = (child.stderrText || '').split('\n').map((l) => l.trim()).filter(Boolean);
  const pick =
    lines.find((l) => /^[\w.$]*(Error|Exception)\b[^(]*:/.test(l)) ||
    lines.find((l) => /Cannot find module|ECONNREFUSED|EADDRINUSE/.test(l)) ||
    lines.find((l) => /error/i.test(l) && !/^\s*at |^throw /.test(l)) ||
    lines[lines.length - 1];
  return (pick || fallback).replace(/\s+/g, ' ').slice(0, 200);
}

async function startServer(args, o, env) {
  const child = launch(args, 0, o, env);
  const timeoutMs = 20000;
  const port = await new Promise((resolve) => {
    const onData = () => {
      const m = /^READY (\d+)\s*$/m.exec(child.stdoutText);
      if (m) {
        cleanup();
        resolve(Number(m[1]));
      }
    };
    const t = setTimeout(() => {
      cleanup();
      resolve(null);
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(t);
      child.stdout.off('data', onData);
    };
    child.stdout.on('data', onData);
    child.exited.then(() => {
      cleanup();
      resolve(null);
    });
  });
  if (port === null) {
    const ex = child.exitCode !== null ? `server exited with code ${child.exitCode}` : `server not READY within ${timeoutMs / 1000} s`;
    await stop(child, 500);
    return { error: `${ex}: ${reason(child, 'no output')}` };
  }
  return { child, port };
}

async function runClient(args, seconds, o, env) {
  const child = launch(args, 1, o, env);
  const limitMs = (seconds + 20) * 1000;
  let timedOut = false;
  const t = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, limitMs);
  const { code, signal } = await child.exited;
  clearTimeout(t);
  const lines = child.stdoutText.split('\n').map((l) => l.trim()).filter(Boolean);
  let result = null;
  for (let i = lines.length - 1; i >= 0 && !result; i--) {
    if (!lines[i].startsWith('{')) continue;
    try {
      const j = JSON.parse(lines[i]);
      if (j && typeof j === 'object' && 'qps' in j) result = j;
    } catch {}
  }
  if (timedOut) return { error: `client killed after ${limitMs / 1000} s` };
  if (!result) {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    return { error: `client exited (${how}) without a JSON line: ${reason(child, 'no output')}` };
  }
  if (code !== 0) result.exit_code = code;
  if (!(result.calls > 0)) return { error: `no successful call (errors: ${result.errors ?? '?'}): ${reason(child, 'no reason given')}`, result };
  return { result };
}

function procMemMb(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: null, hwm: null };
  }
}

async function runOne(sc, row, o) {
  if (sc.extraArgs) row = withArgs(row, sc.extraArgs);
  const rec = {
    scenario: sc.id, scenario_label: sc.label, payload: sc.payload, concurrency: sc.concurrency,
    row: row.id, label: row.label, ok: false, error: null,
    calls: null, errors: null, qps: null, p50_ms: null, p99_ms: null, rss_mb: null, server_rss_mb: null,
    server_cmd: null, client_cmd: null,
  };
  const serverArgs = row.server();
  rec.server_cmd = describeCommand(serverArgs);
  const srv = await startServer(serverArgs, o, row.serverEnv?.());
  if (srv.error) {
    rec.error = srv.error;
    return rec;
  }
  try {
    rec.client_cmd = describeCommand(row.client(srv.port, sc, o.seconds));
    if (o.warmup > 0) {
      const w = await runClient(row.client(srv.port, sc, o.warmup), o.warmup, o, row.clientEnv?.(srv.port));
      if (w.error) {
        rec.error = `warm-up: ${w.error}`;
        return rec;
      }
    }
    if (srv.child.exitCode !== null) {
      rec.error = `server died: ${reason(srv.child, 'no output')}`;
      return rec;
    }
    // --repeat N: N measured client runs against the same server; the median (by calls/s) is kept
    // and every run's calls/s goes into the JSON.
    const runs = [];
    for (let i = 0; i < o.repeat; i++) {
      const m = await runClient(row.client(srv.port, sc, o.seconds), o.seconds, o, row.clientEnv?.(srv.port));
      if (m.error) {
        if (m.result) Object.assign(rec, pickResult(m.result));
        rec.error = o.repeat > 1 ? `run ${i + 1}: ${m.error}` : m.error;
        break;
      }
      runs.push(pickResult(m.result));
    }
    const mem = procMemMb(srv.child.pid);
    rec.server_rss_mb = mem.hwm ?? mem.rss;
    if (rec.error) return rec;
    runs.sort((a, b) => a.qps - b.qps);
    Object.assign(rec, runs[(runs.length - 1) >> 1]);
    if (runs.length > 1) rec.runs_qps = runs.map((r) => r.qps);
    rec.ok = true;
    return rec;
  } finally {
    await stop(srv.child);
  }
}

function pickResult(r) {
  const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return { calls: num(r.calls), errors: num(r.errors), qps: num(r.qps), p50_ms: num(r.p50_ms), p99_ms: num(r.p99_ms), rss_mb: num(r.rss_mb) };
}

// ---------------------------------------------------------------------------------------------
// Output
function fmtNum(x, digits = 0) {
  if (x === null || x === undefined) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function fmtMs(x) {
  if (x === null || x === undefined) return 'n/a';
  return x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0);
}

function renderTable(results, o, rowDefs) {
  const head = ['scenario', 'row', 'calls/s', '×', 'vs', '% ceiling', 'p50 ms', 'p99 ms', 'client MB', 'server MB', 'errors'];
  const lines = [];
  const notes = [];
  for (const r of results) {
    if (r.ok) {
      lines.push([
        r.scenario, r.label, fmtNum(r.qps, r.qps !== null && r.qps < 100 ? 1 : 0), r.ratio === null ? 'n/a' : r.ratio.toFixed(2), r.baseline,
        r.pct_ceiling === null ? 'n/a' : `${r.pct_ceiling.toFixed(1)}%`,
        fmtMs(r.p50_ms), fmtMs(r.p99_ms), fmtNum(r.rss_mb), fmtNum(r.server_rss_mb), fmtNum(r.errors),
      ]);
    } else {
      notes.push(`[${notes.length + 1}] ${r.scenario} ${r.row}: ${r.error}`);
      lines.push([r.scenario, r.label, `n/a [${notes.length}]`, '', '', '', '', '', '', '', '']);
    }
  }
  const right = new Set([2, 3, 5, 6, 7, 8, 9, 10]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells) => cells.map((c, i) => (right.has(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  const out = [fmt(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let prev = null;
  for (const l of lines) {
    if (prev !== null && l[0] !== prev) out.push('');
    prev = l[0];
    out.push(fmt(l));
  }
  if (notes.length) out.push('', ...notes);
  return out.join('\n');
}

// Fraction of CPU time not idle over `ms`, from /proc/stat (null where unavailable).
async function cpuBusy(ms) {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const idle = f[3] + (f[4] || 0);
      return { idle, total: f.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  await delay(ms);
  const b = read();
  if (!a || !b || b.total === a.total) return null;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

function gitRev() {
  try {
    const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const o = parseArgs(process.argv.slice(2));
  const scs = scenarios(o);
  const rowDefs = rows(o);
  if (!rowDefs.some((r) => r.id === o.baseline)) usage(`--baseline must be one of ${rowDefs.map((r) => r.id).join(', ')}`);
  const plan = [];
  for (const sc of scs) for (const row of rowDefs) if ((sc.rows ? sc.rows.includes(row.id) : !row.scenarios || row.scenarios.includes(sc.id)) && (!o.only || o.only.test(`${sc.id} ${row.id} ${row.label}`))) plan.push({ sc, row });
  if (o.list) {
    for (const { sc, row } of plan) process.stdout.write(`${sc.id}  ${row.id.padEnd(14)} ${row.label}\n`);
    return;
  }
  if (!plan.length) usage('--only matched nothing (try --list)');

  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const header =
    `Meshlet bench: echo over one loopback connection (Dubbo 2 unless the row names another protocol), server and client in separate processes` +
    `\nnode ${process.version}, ${os.cpus().length} × ${cpu}, ${o.seconds} s per row` +
    `${o.repeat > 1 ? ` (median of ${o.repeat})` : ''} after a ${o.warmup} s warm-up run` +
    `${o.pin ? ', server pinned to CPU 0 and client to CPU 1' : ''}; ratios against ${o.baseline}, ceiling ${o.ceiling}`;
  process.stderr.write(header + '\n');
  const loadBefore = os.loadavg();
  const busy = await cpuBusy(1000);
  if (busy !== null && busy > 0.15) {
    process.stderr.write(
      `bench: WARNING the CPUs were ${(busy * 100).toFixed(0)} % busy before the run: ` +
        'other work is running, figures will be noisy\n'
    );
  }
  const started = Date.now();
  const results = [];
  let n = 0;
  // Rows with peers to build (the fleet's Java and Go programs) build them once, before their first pair.
  const prepared = new Map();
  for (const { sc, row } of plan) {
    n++;
    const t0 = Date.now();
    if (row.prepare && !prepared.has(row.id)) prepared.set(row.id, await row.prepare().then(() => null, (e) => `build failed: ${e.message.split('\n').slice(0, 3).join(' ')}`));
    const rec = prepared.get(row.id) ? { scenario: sc.id, scenario_label: sc.label, row: row.id, label: row.label, ok: false, error: prepared.get(row.id) } : await runOne(sc, row, o);
    rec.wall_s = Math.round((Date.now() - t0) / 100) / 10;
    results.push(rec);
    const what = rec.ok
      ? `${fmtNum(rec.qps)} calls/s, p50 ${fmtMs(rec.p50_ms)} ms, p99 ${fmtMs(rec.p99_ms)} ms`
      : `n/a: ${rec.error}`;
    process.stderr.write(`[${n}/${plan.length}] ${sc.id} ${row.id}: ${what} (${rec.wall_s} s)\n`);
  }
  // Ratios per scenario (group).
  for (const r of results) {
    // A fleet row is measured against its own Java or Go pair (its `baseline`), others against --baseline.
    r.baseline = rowDefs.find((d) => d.id === r.row)?.baseline ?? o.baseline;
    const base = results.find((b) => b.scenario === r.scenario && b.row === r.baseline && b.ok);
    const ceil = results.find((b) => b.scenario === r.scenario && b.row === o.ceiling && b.ok);
    r.ratio = r.ok && base && base.qps ? r.qps / base.qps : null;
    r.pct_ceiling = r.ok && ceil && ceil.qps ? (100 * r.qps) / ceil.qps : null;
  }
  const table = renderTable(results, o, rowDefs);
  process.stdout.write('\n' + header + '\n\n' + table + '\n');
  const totalS = Math.round((Date.now() - started) / 100) / 10;
  process.stdout.write(`\n${results.filter((r) => r.ok).length}/${results.length} rows measured in ${totalS} s\n`);

  const doc = {
    started_at: new Date(started).toISOString(),
    total_s: totalS,
    git: gitRev(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpu_model: cpu,
    loadavg_before: loadBefore,
    cpu_busy_before: busy,
    loadavg_after: os.loadavg(),
    options: { seconds: o.seconds, warmup: o.warmup, repeat: o.repeat, baseline: o.baseline, ceiling: o.ceiling, payloads: o.payloads, concurrency: o.concurrency, echo_version: o.echoVersion, pin: o.pin, only: o.only ? String(o.only) : null },
    results,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`results: ${path.relative(process.cwd(), o.out) || o.out}\n`);
}

// Exit once done: a helper process a row's `prepare` keeps for the whole run (the xDS rows' control
// plane, killed on 'exit') would otherwise keep the harness alive.
main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench: ${err && err.stack ? err.stack : err}\n`);
  killAll();
  process.exit(1);
});
