#!/usr/bin/env node
'use strict';
// Scripted opponent: the real npm SOFA RPC client `sofa-rpc-node@2.10.0` calling the conformance
// EchoService (`com.meshlet.conformance.EchoService:1.0`), and the protobuf ProtoService of
// `lib/echo.proto`, of any Bolt provider: Meshlet's, or `sofa-provider.cjs`.
//
//   node test/interop/peers/sofa-consumer-peer.cjs --target 127.0.0.1:PORT [--cases builtin|NAME,NAME] [--list]
//   node test/interop/peers/sofa-consumer-peer.cjs --target … --bench
//        [--method echo] [--payload 1024] [--concurrency 1] [--seconds 5] [--warmup 0] [--connections 1]
//   node test/interop/peers/sofa-consumer-peer.cjs --zk HOST:PORT[/root] [--version 1.0] [--cases …] [--bench …]
//
// `--zk` instead of `--target`: the provider is found through ZooKeeper by the package's own
// `ZookeeperRegistry` (see below); first prints `{"discovered":[…]}`, the provider URLs the package
// read from /sofa-rpc/{interface}/providers and kept for the consumer's version, waiting up to
// `--timeout-ms` for the first one.
//
// Case mode prints one JSON line per case `{"client":"sofa-rpc-node","case","ok","got","error"}`
// (plus `"expected"` when not ok) and exits 0. Bench mode prints the conformance consumer's line
// `{"calls","errors","qps","p50_ms","p99_ms","rss_mb"}`.
//
// How the package is driven (read from its code, bolt-sofa.md §2):
// - `RpcClient({logger})` + `createConsumer({interfaceName, version, serverHost})`: a direct
//   connection, no registry. `retryFaultInterval` is lowered from 30 s because the package sleeps
//   that long on an un-unref'd timer after close (§2.6-4).
// - Arguments are js-to-java style `{$class, $}`: the package derives `methodArgSigs` from
//   `$class`, and from the JS type otherwise (an integral number is `int`, so longs and doubles
//   must be typed; a raw null would be sent as the non-type `null`, §2.6-10).
// - Longs are sent as decimal strings (exact beyond 2^53) and compared as strings on the way back.
// - `--zk`: `new ZookeeperRegistry({ logger, address })` from the package's `registry` export
//   (zookeeper-cluster-client → node-zookeeper-client, pure JS), passed to `RpcClient` as `registry`;
//   `createConsumer` without `serverHost` then subscribes to /sofa-rpc/{interface}/providers,
//   decodes each child with decodeURIComponent, keeps those whose `interface` matches and whose
//   `version` / `group` match when both sides have one, and calls the `host:port` of the URL. It
//   also writes its own ephemeral node under …/consumers. The same registry object's `subscribe`
//   gives the `discovered` line.
const path = require('path');
const protobuf = require('protobufjs');
const { RpcClient } = require('sofa-rpc-node').client;
const { benchLoop } = require('./lib/bench-loop.cjs');

const ECHO = 'com.meshlet.conformance.EchoService';
const PROTO = 'com.meshlet.proto.ProtoService';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const proto = protobuf.loadSync(path.join(__dirname, 'lib/echo.proto'));
const quietLogger = { info() {}, debug() {}, warn() {}, error() {} };

const S = (v) => ({ $class: 'java.lang.String', $: v });
const I = (v) => ({ $class: 'int', $: v });
const J = (v) => ({ $class: 'long', $: String(v) });
const D = (v) => ({ $class: 'double', $: v });
const Z = (v) => ({ $class: 'boolean', $: v });
const user = {
  $class: 'com.meshlet.conformance.User',
  $: {
    id: J('9007199254740993'),
    name: S('Zoë 😀'),
    tags: { $class: 'java.util.List', $: ['a', 'b', ''] },
    attrs: { $class: 'java.util.Map', $: { k: 'v', empty: '' } },
    active: Z(true),
    score: D(-12.5),
  },
};

const BUILTIN_CASES = [
  { case: 'echo-ascii', method: 'echo', args: [S('hello')], expect: 'hello' },
  { case: 'echo-empty', method: 'echo', args: [S('')], expect: '' },
  { case: 'echo-unicode', method: 'echo', args: [S('héllo, 世界 😀𝄞')], expect: 'héllo, 世界 😀𝄞' },
  { case: 'addInt', method: 'addInt', args: [I(2), I(3)], expect: 5 },
  { case: 'addInt-wrap', method: 'addInt', args: [I(2147483647), I(1)], expect: -2147483648 },
  { case: 'addLong-2^53+1', method: 'addLong', args: [J('9007199254740993'), J('0')], expect: '9007199254740993' },
  { case: 'addLong-max-wrap', method: 'addLong', args: [J('9223372036854775807'), J('1')], expect: '-9223372036854775808' },
  { case: 'mulDouble', method: 'mulDouble', args: [D(1.5), D(-2)], expect: -3 },
  { case: 'negate-true', method: 'negate', args: [Z(true)], expect: false },
  { case: 'negate-false', method: 'negate', args: [Z(false)], expect: true },
  { case: 'reverseBytes', method: 'reverseBytes', args: [Buffer.from([1, 2, 3, 255])], expect: { $bytes: 'ff030201' } },
  { case: 'reverseList', method: 'reverseList', args: [{ $class: 'java.util.List', $: ['a', 'b', 'c'] }], expect: ['c', 'b', 'a'] },
  { case: 'swapMap', method: 'swapMap', args: [{ $class: 'java.util.Map', $: { a: '1', b: '2' } }], expect: { 1: 'a', 2: 'b' } },
  {
    case: 'echoUser', method: 'echoUser', args: [user],
    expect: { id: '9007199254740993', name: 'Zoë 😀', tags: ['a', 'b', ''], attrs: { k: 'v', empty: '' }, active: true, score: -12.5 },
  },
  { case: 'nullable-null', method: 'nullable', args: [S(null)], expect: null },
  { case: 'nullable-value', method: 'nullable', args: [S('x')], expect: 'x' },
  { case: 'fail', method: 'fail', args: [S('boom')], expect: { error: 'boom' } },
  { case: 'sleep', method: 'sleep', args: [I(10)], expect: 'slept' },
  { case: 'sleep-timeout', method: 'sleep', args: [I(2000)], timeoutMs: 300, expect: { error: /timeout/i } },
  // Not in the service: a Java provider answers "no such method", so must every provider.
  { case: 'no-such-method', method: 'nope', args: [S('x')], expect: { error: /nope/ } },
  // Protobuf (codec 11): the bare message as content, service and method in the header.
  { case: 'proto-echo', service: 'proto', method: 'echoStr', args: [{ s: 'hi', n: '9007199254740993', tags: ['a'] }], expect: { s: 'hi!', n: '9007199254740994' } },
  // Any error: against a Java-shaped provider (SOFARPC, Meshlet) the package cannot read the reply
  // (it ignores `sofa_head_response_error` and decodes the error text as an EchoRes).
  { case: 'proto-fail', service: 'proto', method: 'fail', args: [{ s: 'q' }], expect: { error: /./ } },
];

function usage(msg) {
  if (msg) process.stderr.write(`sofa-consumer-peer: ${msg}\n`);
  process.stderr.write('usage: sofa-consumer-peer.cjs (--target HOST:PORT | --zk HOST:PORT[/root] [--version V]) [--cases builtin|a,b] [--list] [--bench [--payload N] [--concurrency N] [--seconds N] [--warmup N]]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { target: '', zk: '', version: '1.0', cases: 'builtin', bench: false, method: 'echo', payload: 1024, concurrency: 1, seconds: 5, warmup: 0, timeoutMs: 5000, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => (i + 1 < argv.length ? argv[++i] : usage(`missing value for ${a}`));
    switch (a) {
      case '--target': o.target = v(); break;
      case '--zk': o.zk = v(); break;
      case '--version': o.version = v(); break;
      case '--cases': o.cases = v(); break;
      case '--bench': o.bench = true; break;
      case '--method': o.method = v(); break;
      case '--payload': o.payload = Number(v()); break;
      case '--concurrency': o.concurrency = Number(v()); break;
      case '--seconds': o.seconds = Number(v()); break;
      case '--warmup': o.warmup = Number(v()); break;
      case '--timeout-ms': o.timeoutMs = Number(v()); break;
      case '--connections': if (v() !== '1') usage('the package keeps one connection per address (--connections 1)'); break;
      case '--protocol': if (v() !== 'bolt') usage('only --protocol bolt'); break;
      case '--list': o.list = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.list) return o;
  if (o.zk) {
    if (o.target) usage('--target and --zk exclude each other');
    if (!/^[^:,/]+:\d+(,[^:,/]+:\d+)*(\/.*)?$/.test(o.zk)) usage('bad --zk (host:port[,host:port][/root])');
  } else if (!/^[^:]+:\d+$/.test(o.target)) usage('--target host:port (or --zk host:port) is required');
  for (const k of ['payload', 'concurrency', 'seconds', 'warmup', 'timeoutMs']) if (!Number.isFinite(o[k]) || o[k] < 0) usage(`bad --${k}`);
  if (o.bench && o.method !== 'echo') usage('--bench supports --method echo only');
  o.concurrency = Math.max(1, o.concurrency | 0);
  return o;
}

function loadCases(spec) {
  if (spec === 'builtin') return BUILTIN_CASES;
  return spec.split(',').map((name) => {
    const c = BUILTIN_CASES.find((b) => b.case === name.trim());
    if (!c) throw new Error(`unknown case ${name} (have: ${BUILTIN_CASES.map((b) => b.case).join(', ')})`);
    return c;
  });
}

// What the package hands back, made comparable: Map → object, Long → string, Buffer → {$bytes}.
function normalise(v) {
  if (v === undefined) return null;
  if (v && typeof v.toObject === 'function' && v.$type) return v.toObject({ longs: String, defaults: true }); // a protobuf message
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('hex') };
  if (v instanceof Map) return normalise(Object.fromEntries(v));
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object') {
    if (typeof v.high === 'number' && typeof v.low === 'number' && typeof v.toString === 'function') return v.toString();
    const out = {};
    for (const k of Object.keys(v)) if (k !== '$class') out[k] = normalise(v[k]);
    return out;
  }
  return v;
}
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}
function same(expect, got) {
  // A long that fits a double may come back as a number.
  if (typeof expect === 'string' && typeof got === 'number' && /^-?\d+$/.test(expect)) return String(got) === expect;
  if (expect && typeof expect === 'object' && got && typeof got === 'object' && 'id' in expect && typeof got.id === 'number') got = { ...got, id: String(got.id) };
  return JSON.stringify(sortKeys(expect)) === JSON.stringify(sortKeys(got));
}
const errText = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function runCases(o, consumerFor) {
  for (const c of loadCases(o.cases)) {
    const consumer = await consumerFor(c.service ?? 'echo');
    const codec = c.service === 'proto' ? { codecType: 'protobuf' } : {};
    const line = { client: 'sofa-rpc-node', case: c.case, ok: false, got: null, error: null };
    const wantsError = c.expect !== null && typeof c.expect === 'object' && !Array.isArray(c.expect) && 'error' in c.expect;
    try {
      const res = await consumer.invoke(c.method, c.args, { responseTimeout: c.timeoutMs ?? o.timeoutMs, ...codec });
      line.got = normalise(res);
      line.ok = !wantsError && same(c.expect, line.got);
    } catch (err) {
      line.error = errText(err);
      line.ok = wantsError && (c.expect.error instanceof RegExp ? c.expect.error.test(line.error) : line.error.includes(c.expect.error));
    }
    if (!line.ok) line.expected = c.expect instanceof Object && c.expect.error instanceof RegExp ? { error: String(c.expect.error) } : c.expect;
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

async function runBench(o, consumer) {
  const payload = 'x'.repeat(o.payload);
  const args = [S(payload)];
  const first = await consumer.invoke('echo', args, { responseTimeout: o.timeoutMs });
  if (first !== payload) throw new Error('first echo came back wrong');
  const echo = () => consumer.invoke('echo', args, { responseTimeout: o.timeoutMs }).then((res) => (res === payload ? null : 'wrong echo'), errText);
  await benchLoop({ concurrency: o.concurrency, warmup: o.warmup, seconds: o.seconds, tailMs: 2000 }, echo);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const c of BUILTIN_CASES) process.stdout.write(`${c.case}\n`);
    return;
  }
  let registry;
  if (o.zk) {
    const { ZookeeperRegistry } = require('sofa-rpc-node').registry;
    registry = new ZookeeperRegistry({ logger: quietLogger, address: o.zk });
    registry.on('error', (err) => process.stderr.write(`sofa-consumer-peer: registry: ${errText(err)}\n`));
    await bounded(registry.ready(), o.timeoutMs, 'no ZooKeeper session');
  }
  const client = new RpcClient({ logger: quietLogger, registry });
  // The connection's protobuf codec takes message types from `connectionOpts.proto` (the consumer's
  // `proto` option does not reach it); keep the package's default protocol and socket options.
  client.options.connectionOpts = { ...client.options.connectionOpts, proto };
  const where = o.zk ? {} : { serverHost: o.target };
  try {
    if (registry) {
      // What the package hands its consumer: the matching provider URLs (waits for the first one).
      // Subscribed first, with the consumer's version and group: the package's registry keeps one
      // ZooKeeper watch per interface, filtered by the first subscriber's config.
      const config = { interfaceName: ECHO, version: o.version, group: 'SOFA' };
      let discovered = [];
      const listener = (list) => { discovered = list; };
      registry.subscribe(config, listener);
      const deadline = Date.now() + o.timeoutMs;
      while (discovered.length === 0 && Date.now() < deadline) await sleep(20);
      registry.unSubscribe(config, listener);
      process.stdout.write(JSON.stringify({ discovered }) + '\n');
    }
    const consumers = new Map();
    const consumerFor = async (service) => {
      if (!consumers.has(service)) {
        const consumer = client.createConsumer({ interfaceName: service === 'proto' ? PROTO : ECHO, version: o.version, ...where, retryFaultInterval: 200 });
        await bounded(consumer.ready(), o.timeoutMs, `consumer of ${service} not ready`);
        consumers.set(service, consumer);
      }
      return consumers.get(service);
    };
    if (o.bench) await runBench(o, await consumerFor('echo'));
    else await runCases(o, consumerFor);
  } finally {
    await Promise.race([client.close(), sleep(1000)]);
    if (registry) await Promise.race([registry.close(), sleep(1000)]);
  }
}

function bounded(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`sofa-consumer-peer: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
