#!/usr/bin/env node
'use strict';
// Scripted opponent: a real npm Dubbo 2 consumer calling a provider (normally Meshlet's) directly,
// with Java-typed arguments built by the package's own `java` helper (js-to-java).
//
// Case mode:
//   node test/interop/peers/dubbo-consumer-peer.cjs --client <apache-dubbo-consumer|dubbo2.js>
//        --target 127.0.0.1:PORT [--cases builtin|all|<file.json>|name,name] [--version [V]]
//        [--echo-version V] [--group G] [--timeout-ms N] [--list]
//   prints one JSON line per case {"client","case","ok","got","error"} and exits 0
//   (exit 2 on a usage error, 1 if the script itself crashed).
//
// Bench mode (same output shape as examples/conformance/consumer.js --bench):
//   ... --bench [--method echo] [--payload 1024] [--concurrency 128] [--seconds 5] [--warmup 0]
//   prints {"calls":n,"errors":n,"qps":x,"p50_ms":x,"p99_ms":x,"rss_mb":x}
//
// Versions: EchoService is called with --echo-version (default '0.0.0', i.e. "no version", which
// is what apache-dubbo-service registers; Meshlet's conformance provider exports '1.0');
// DemoService with --version (default '0.0.0'; a bare `--version` means '1.0.0').
//
// Per-package facts that shape this script (read from their code in node_modules):
// - apache-dubbo-consumer@4.0.0: DubboDirectlyInvoker.from({dubboHost, dubboVersion,
//   dubboInvokeTimeout}); the timeout is in MILLISECONDS and is also sent as an int `timeout`
//   attachment. Request ids count from 1 per process. Encodes with hessian.js 2.11 (through
//   apache-dubbo-serialization), attachments {application:'dubbo-js', interface, path, timeout,
//   version} (+group when set).
// - dubbo2.js@2.3.9: DirectlyDubbo.from({dubboAddress, dubboVersion, dubboInvokeTimeout}); the
//   timeout is in SECONDS (multiplied by 1000 internally) and is not sent as an attachment.
//   Encodes with its own nested hessian.js 2.5.0. `version` must be given: undefined is written
//   as hessian null and no provider matches it. It has no close(): we exit the process.
// - Both resolve every call to {res, err} (apache-dubbo-common `go`), never reject.
// - Arguments must all be {$class, $} objects or the call is refused locally ("not all
//   arguments are valid hessian type"); the parameter descriptor is derived from each $class
//   ('int' → I, 'long' → J, 'java.util.List' → Ljava/util/List;, ...).
// - Longs: java.long('9007199254740993') → {$class:'long', $:'9007199254740993'}: both packages
//   write a decimal STRING exactly as a 64-bit hessian long (hessian.js 2.11: Long.fromString;
//   hessian.js 2.5.0: byte.putLong of the string). A JS number beyond 2^53 would already be
//   rounded before encoding, so cases pass strings. Longs beyond ±2^53 in responses decode to
//   decimal strings (hessian.js handleLong); smaller ones to numbers.
// - Neither package can send a Java `byte[]` argument: the descriptor comes from $class and
//   `{$class:'[byte', $: Buffer}` makes hessian.js throw "hessian writeArray input type invalid"
//   (both 2.5.0 and 2.11), `{$class:'byte[]'}` is written as an object, and a bare Buffer is
//   refused as "not all arguments are valid hessian type". reverseBytes is left out. echoUser is
//   left out too: the User POJO would need its Java class name and field types written by hand
//   (java.combine), which is a test of js-to-java more than of the package.
// - Both only decode a Throwable for flags 0/3 if hessian.js maps it to an Error (class name
//   ending in "Exception"); a plain string there (apache-dubbo-service) becomes the message.
const fs = require('fs');
const path = require('path');
const { benchLoop } = require('./lib/bench-loop.cjs');

const CLIENTS = ['apache-dubbo-consumer', 'dubbo2.js'];
const DEMO_INTERFACE = 'org.apache.dubbo.demo.DemoService';
const ECHO_INTERFACE = 'com.meshlet.conformance.EchoService';

// ---------------------------------------------------------------------------------------------
// Cases. A case: {case, service: 'echo'|'demo', method, args: [{type, value}], expect} where
// expect is a JSON value compared structurally, or {"error": true} (any error is ok), or
// {"error": "substring"}. Types: String, int, long (value: decimal string), boolean, double,
// List<String> (value: array), Map<String,String> (value: object), Integer, Long (boxed).
// A --cases JSON file holds either an array of such objects or an array of built-in names.
const BUILTIN_CASES = [
  { case: 'sayHello', service: 'demo', method: 'sayHello', args: [{ type: 'String', value: 'world' }], expect: 'Hello world' },
  { case: 'echo-hi', service: 'echo', method: 'echo', args: [{ type: 'String', value: 'hi' }], expect: 'hi' },
  { case: 'echo-ascii', service: 'echo', method: 'echo', args: [{ type: 'String', value: 'The quick brown fox 0123456789' }], expect: 'The quick brown fox 0123456789' },
  { case: 'echo-emoji', service: 'echo', method: 'echo', args: [{ type: 'String', value: 'héllo 😀 世界 𝄞' }], expect: 'héllo 😀 世界 𝄞' },
  { case: 'addInt', service: 'echo', method: 'addInt', args: [{ type: 'int', value: 2 }, { type: 'int', value: 40 }], expect: 42 },
  { case: 'addInt-wrap', service: 'echo', method: 'addInt', args: [{ type: 'int', value: 2147483647 }, { type: 'int', value: 1 }], expect: -2147483648 },
  { case: 'addLong-2^53+1', service: 'echo', method: 'addLong', args: [{ type: 'long', value: '9007199254740993' }, { type: 'long', value: '2' }], expect: '9007199254740995' },
  { case: 'addLong-max-wrap', service: 'echo', method: 'addLong', args: [{ type: 'long', value: '9223372036854775807' }, { type: 'long', value: '1' }], expect: '-9223372036854775808' },
  { case: 'mulDouble', service: 'echo', method: 'mulDouble', args: [{ type: 'double', value: 1.5 }, { type: 'double', value: 2 }], expect: 3 },
  { case: 'negate-true', service: 'echo', method: 'negate', args: [{ type: 'boolean', value: true }], expect: false },
  { case: 'negate-false', service: 'echo', method: 'negate', args: [{ type: 'boolean', value: false }], expect: true },
  { case: 'reverseList', service: 'echo', method: 'reverseList', args: [{ type: 'List<String>', value: ['a', 'b', 'c'] }], expect: ['c', 'b', 'a'] },
  { case: 'swapMap', service: 'echo', method: 'swapMap', args: [{ type: 'Map<String,String>', value: { a: '1', b: '2' } }], expect: { 1: 'a', 2: 'b' } },
  { case: 'fail', service: 'echo', method: 'fail', args: [{ type: 'String', value: 'boom' }], expect: { error: 'boom' } },
];
// Not in the default set (selected by name or with --cases all): boxed-type variants, which
// apache-dubbo-service can decode (its ';' split works for `L...;` descriptors) but which a Java
// provider of `int addInt(int,int)` / `long addLong(long,long)` would not resolve; they prove the
// packages' long encoding end to end against apache-dubbo-service.
const EXTRA_CASES = [
  { case: 'addInt-boxed', service: 'echo', method: 'addInt', args: [{ type: 'Integer', value: 2 }, { type: 'Integer', value: 40 }], expect: 42 },
  { case: 'addLong-boxed-2^53+1', service: 'echo', method: 'addLong', args: [{ type: 'Long', value: '9007199254740993' }, { type: 'Long', value: '2' }], expect: '9007199254740995' },
  { case: 'addLong-boxed-max-wrap', service: 'echo', method: 'addLong', args: [{ type: 'Long', value: '9223372036854775807' }, { type: 'Long', value: '1' }], expect: '-9223372036854775808' },
  { case: 'echo-empty', service: 'echo', method: 'echo', args: [{ type: 'String', value: '' }], expect: '' },
];
const ALL_CASES = [...BUILTIN_CASES, ...EXTRA_CASES];

// ---------------------------------------------------------------------------------------------
function usage(msg) {
  if (msg) process.stderr.write(`dubbo-consumer-peer: ${msg}\n`);
  process.stderr.write(
    'usage: dubbo-consumer-peer.cjs --client <apache-dubbo-consumer|dubbo2.js> --target host:port\n' +
      '         [--cases builtin|all|file.json|name,name] [--version [V]] [--echo-version V] [--group G] [--timeout-ms N]\n' +
      '       dubbo-consumer-peer.cjs ... --bench [--method echo] [--payload N] [--concurrency C] [--seconds S] [--warmup S]\n'
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    client: '', target: '', cases: 'builtin', version: '0.0.0', echoVersion: '0.0.0', group: '',
    timeoutMs: 5000, bench: false, method: 'echo', payload: 16, concurrency: 1, seconds: 5,
    warmup: 0, connections: 1, list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => (i + 1 < argv.length ? argv[++i] : usage(`missing value for ${a}`));
    switch (a) {
      case '--client': o.client = v(); break;
      case '--target': o.target = v(); break;
      case '--cases': o.cases = v(); break;
      case '--version': // bare `--version` means DemoService version 1.0.0
        o.version = i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : '1.0.0';
        break;
      case '--echo-version': o.echoVersion = v(); break;
      case '--group': o.group = v(); break;
      case '--timeout-ms': o.timeoutMs = Number(v()); break;
      case '--bench': o.bench = true; break;
      case '--method': o.method = v(); break;
      case '--payload': o.payload = Number(v()); break;
      case '--concurrency': o.concurrency = Number(v()); break;
      case '--seconds': o.seconds = Number(v()); break;
      case '--warmup': o.warmup = Number(v()); break;
      case '--connections': o.connections = Number(v()); break;
      case '--protocol': if (v() !== 'dubbo') usage('only --protocol dubbo'); break;
      case '--list': o.list = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.list) return o;
  if (!CLIENTS.includes(o.client)) usage(`--client must be one of ${CLIENTS.join(', ')}`);
  if (!/^[^:]+:\d+$/.test(o.target)) usage('--target host:port is required');
  for (const k of ['timeoutMs', 'payload', 'concurrency', 'seconds', 'warmup']) {
    if (!Number.isFinite(o[k]) || o[k] < 0) usage(`bad --${k}`);
  }
  if (o.bench && o.method !== 'echo') usage('--bench supports --method echo only');
  if (o.bench && o.connections !== 1) usage('these packages use exactly one connection per target (--connections 1)');
  if (o.concurrency < 1) o.concurrency = 1;
  return o;
}

function loadCases(spec) {
  if (spec === 'builtin') return BUILTIN_CASES;
  if (spec === 'all') return ALL_CASES;
  let list;
  if (spec.endsWith('.json') || fs.existsSync(spec)) {
    list = JSON.parse(fs.readFileSync(path.resolve(spec), 'utf8'));
    if (!Array.isArray(list)) throw new Error('--cases file must hold a JSON array');
  } else {
    list = spec.split(',').map((s) => s.trim()).filter(Boolean);
  }
  return list.map((c) => {
    if (typeof c !== 'string') return c;
    const found = ALL_CASES.find((b) => b.case === c);
    if (!found) throw new Error(`unknown built-in case ${c} (have: ${ALL_CASES.map((b) => b.case).join(', ')})`);
    return found;
  });
}

// ---------------------------------------------------------------------------------------------
// Client adapters: each exposes call(service, method, typedArgs) → Promise<{res, err}>, close().
function createClient(o) {
  if (o.client === 'apache-dubbo-consumer') {
    const { DubboDirectlyInvoker, java } = require('apache-dubbo-consumer');
    const invoker = DubboDirectlyInvoker.from({ dubboHost: o.target, dubboVersion: '2.0.2', dubboInvokeTimeout: o.timeoutMs });
    const proxies = new Map();
    const proxyFor = (service, method) => {
      const key = `${service}#${method}`;
      let p = proxies.get(key);
      if (!p) {
        const demo = service === 'demo';
        const param = {
          dubboInterface: demo ? DEMO_INTERFACE : ECHO_INTERFACE,
          version: demo ? o.version : o.echoVersion,
          methods: { [method]: (...typed) => typed },
        };
        if (o.group) param.group = o.group;
        p = invoker.proxyService(param);
        proxies.set(key, p);
      }
      return p;
    };
    return {
      java,
      call: (service, method, typedArgs) => proxyFor(service, method)[method](...typedArgs),
      bind: (service, method) => {
        const fn = proxyFor(service, method)[method];
        return (typedArgs) => fn(...typedArgs);
      },
      close: () => invoker.close(),
    };
  }
  const { DirectlyDubbo, java } = require('dubbo2.js');
  const dubbo = DirectlyDubbo.from({
    dubboAddress: o.target,
    dubboVersion: '2.0.2',
    dubboInvokeTimeout: Math.max(o.timeoutMs / 1000, 0.001), // seconds in this package
  });
  const proxies = new Map();
  const proxyFor = (service, method) => {
    const key = `${service}#${method}`;
    let p = proxies.get(key);
    if (!p) {
      const demo = service === 'demo';
      const param = {
        dubboInterface: demo ? DEMO_INTERFACE : ECHO_INTERFACE,
        version: demo ? o.version : o.echoVersion,
        methods: { [method]: (...typed) => typed },
      };
      if (o.group) param.group = o.group;
      p = dubbo.proxyService(param);
      proxies.set(key, p);
    }
    return p;
  };
  return {
    java,
    call: (service, method, typedArgs) => proxyFor(service, method)[method](...typedArgs),
    bind: (service, method) => {
      const fn = proxyFor(service, method)[method];
      return (typedArgs) => fn(...typedArgs);
    },
    close: () => {},
  };
}

function typed(java, { type, value }) {
  switch (type) {
    case 'String': return java.String(value);
    case 'int': return java.int(value);
    case 'Integer': return java.Integer(value);
    case 'long': return java.long(String(value)); // decimal string: exact beyond 2^53
    case 'Long': return java.Long(String(value));
    case 'boolean': return java.boolean(value);
    case 'double': return java.double(value);
    case 'List<String>': return java.List(value.map((s) => String(s)));
    case 'Map<String,String>': return java.Map(value);
    default: throw new Error(`unsupported arg type ${type}`);
  }
}

// Structural comparison after normalising what hessian.js hands back (Map → object,
// Long objects → string, small longs may arrive as numbers).
function normalise(v) {
  if (v === undefined) return null;
  if (v instanceof Map) return normalise(Object.fromEntries(v));
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    if (typeof v.high === 'number' && typeof v.low === 'number' && typeof v.toString === 'function') return v.toString();
    const out = {};
    for (const k of Object.keys(v)) out[k] = normalise(v[k]);
    return out;
  }
  return v;
}
function sameValue(expect, got, argTypes) {
  const g = normalise(got);
  if (typeof expect === 'string' && typeof g === 'number' && /^-?\d+$/.test(expect)) return String(g) === expect;
  return JSON.stringify(sortKeys(expect)) === JSON.stringify(sortKeys(g));
}
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}
function errText(err) {
  if (!err) return null;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
function jsonSafe(v) {
  return JSON.parse(JSON.stringify(normalise(v), (k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null');
}

async function runCases(o, client) {
  const cases = loadCases(o.cases);
  for (const c of cases) {
    const line = { client: o.client, case: c.case, ok: false, got: null, error: null };
    try {
      const typedArgs = c.args.map((a) => typed(client.java, a));
      const { res, err } = await client.call(c.service, c.method, typedArgs);
      const wantsError = c.expect !== null && typeof c.expect === 'object' && !Array.isArray(c.expect) && 'error' in c.expect && Object.keys(c.expect).length === 1;
      if (err) {
        line.error = errText(err);
        line.ok = wantsError && (c.expect.error === true || String(line.error).includes(String(c.expect.error)));
      } else {
        line.got = jsonSafe(res);
        line.ok = !wantsError && sameValue(c.expect, res);
      }
      if (!line.ok) line.expected = c.expect;
    } catch (e) {
      line.error = errText(e);
      line.expected = c.expect;
    }
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

// ---------------------------------------------------------------------------------------------
async function runBench(o, client) {
  const payload = 'x'.repeat(o.payload);
  const arg = [client.java.String(payload)];
  const call = client.bind('echo', 'echo');
  // First call also waits for the connection (both packages queue calls until connected).
  const first = await call(arg);
  if (first.err) throw new Error(`first echo failed: ${errText(first.err)}`);
  const echo = () => call(arg).then((r) => (r.err ? errText(r.err) : r.res === payload ? null : 'wrong echo'), errText);
  await benchLoop({ concurrency: o.concurrency, warmup: o.warmup, seconds: o.seconds, tailMs: Math.min(o.timeoutMs, 2000) }, echo);
}

function probe(target, ms) {
  const net = require('net');
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    const done = (err) => {
      clearTimeout(t);
      s.destroy();
      resolve(err);
    };
    const t = setTimeout(() => done(`no connection within ${ms} ms`), ms);
    s.once('connect', () => done(null));
    s.once('error', (e) => done(e.code || e.message));
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const c of BUILTIN_CASES) process.stdout.write(`${c.case}\n`);
    for (const c of EXTRA_CASES) process.stdout.write(`${c.case} (extra)\n`);
    return;
  }
  // Preflight: both packages queue calls and keep reconnecting (apache-dubbo-consumer: 20 tries
  // 3 s apart) when the target is down, so every case would wait out its own timeout. Probe once.
  const reach = await probe(o.target, Math.min(o.timeoutMs, 3000));
  if (reach) {
    if (o.bench) throw new Error(`cannot reach ${o.target}: ${reach}`);
    for (const c of loadCases(o.cases)) {
      process.stdout.write(JSON.stringify({ client: o.client, case: c.case, ok: false, got: null, error: `cannot reach ${o.target}: ${reach}` }) + '\n');
    }
    return;
  }
  const client = createClient(o);
  if (o.bench) await runBench(o, client);
  else await runCases(o, client);
  client.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`dubbo-consumer-peer: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  }
);
