#!/usr/bin/env node
'use strict';
// Scripted opponent: the real npm Dubbo provider `apache-dubbo-service@0.0.1` (the only Node
// Dubbo 2 server on npm), serving the conformance EchoService and the Dubbo demo DemoService.
//
//   node test/interop/peers/dubbo-service-provider.cjs [--port N] [--version V] [--echo-version V]
//                                                      [--quiet]
//
// Prints `READY <port>` on stdout once it accepts calls, then (unless --quiet) one JSON line per
// URL it would have published to a registry. Exits 0 on SIGTERM / SIGINT.
//
// - Registry: apache-dubbo-service refuses to start without one. We hand it MemoryRegistry
//   (lib/memory-registry.cjs), an in-process object with ready/registerServices/close.
// - Port: the package picks a random free port in 20888–30000 (lib/port.js). `--port N` (N > 0)
//   pins it by replacing `randomPort` on the package's own port module in this process.
// - Loopback: `ip.address()` → 127.0.0.1 and `listen(port)` binds 127.0.0.1 (lib/loopback.cjs).
// - Versions: without flags both services register version '0.0.0' (the package's default, i.e.
//   "no version"). `--version` sets DemoService's, `--echo-version` EchoService's.
//
// Known defects of the package that shape what works (see README.md for the symptoms):
// - Parameter descriptors are split on ';' (apache-dubbo-serialization decodeDubboRequest), so a
//   descriptor made of primitives such as `II`, `JJ`, `DD` yields ONE argument and the second
//   value is consumed as the attachments map. addInt/addLong/mulDouble with Java's primitive
//   signatures therefore reach the handler with one argument; the handlers below detect this and
//   throw a message naming the defect. They do work with boxed types
//   (`Ljava/lang/Integer;Ljava/lang/Integer;`, `Ljava/lang/Long;Ljava/lang/Long;`).
// - A falsy result (false, 0, "") is sent as RESPONSE_NULL_VALUE. The handlers below return
//   js-to-java style typed values ({$class, $}), which are truthy objects, so negate(true) and
//   echo("") do come back as false / "" from this peer.
// - Business errors are sent as flag 3/0 + a plain string (not a Throwable).
const path = require('path');
const { applyLoopbackPatch } = require('./lib/loopback.cjs');
const { MemoryRegistry } = require('./lib/memory-registry.cjs');

applyLoopbackPatch('apache-dubbo-service');

function parseArgs(argv) {
  const opts = { port: 0, version: '', echoVersion: '', quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(next());
    else if (a === '--version') opts.version = next();
    else if (a === '--echo-version') opts.echoVersion = next();
    else if (a === '--host') {
      const h = next();
      if (h !== '127.0.0.1' && h !== 'localhost') throw new Error('this peer only binds 127.0.0.1');
    } else if (a === '--quiet') opts.quiet = true;
    else if (a === '--protocol') {
      if (next() !== 'dubbo') throw new Error('only --protocol dubbo');
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: dubbo-service-provider.cjs [--port N] [--version V] [--echo-version V] [--quiet]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('bad --port');
  return opts;
}

const DEMO_INTERFACE = 'org.apache.dubbo.demo.DemoService';
const ECHO_INTERFACE = 'com.meshlet.conformance.EchoService';

// The package calls method.apply(service, [...request.args, ctx]); ctx is its Context object.
function isCtx(x) {
  return x !== null && typeof x === 'object' && 'request' in x && 'body' in x && 'attachments' in x;
}
function arityDefect(method, ctx) {
  const desc = ctx && ctx.request ? ctx.request.parameterTypeDesc : '?';
  return new Error(
    `apache-dubbo-service decoded 1 argument for ${method} with descriptor "${desc}" ` +
      `(it splits descriptors on ';'); send boxed types to make it work`
  );
}
function toBig(x) {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') return BigInt(x);
  if (typeof x === 'string') return BigInt(x); // hessian.js decodes longs beyond ±2^53 as strings
  if (x && typeof x === 'object' && typeof x.toString === 'function') return BigInt(x.toString()); // Long
  throw new TypeError(`not a long: ${typeof x}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const echoMethods = {
  async echo(s) {
    // Typed return: a raw '' would hit the falsy-result defect and travel as null.
    return typeof s === 'string' ? { $class: 'java.lang.String', $: s } : s;
  },
  async addInt(a, b, ctx) {
    if (isCtx(b)) throw arityDefect('addInt', b);
    return { $class: 'int', $: (a + b) | 0 }; // typed: a raw 0 would travel as null
  },
  async addLong(a, b, ctx) {
    if (isCtx(b)) throw arityDefect('addLong', b);
    const sum = BigInt.asIntN(64, toBig(a) + toBig(b));
    // hessian.js 2.11 encodes a numeric string exactly as a 64-bit long.
    return { $class: 'long', $: sum.toString() };
  },
  async mulDouble(a, b, ctx) {
    if (isCtx(b)) throw arityDefect('mulDouble', b);
    return { $class: 'double', $: a * b };
  },
  async negate(b) {
    // Typed return: a raw `false` would hit the falsy-result defect and travel as null.
    return { $class: 'boolean', $: !b };
  },
  async reverseList(l) {
    return Array.isArray(l) ? l.slice().reverse() : l;
  },
  async swapMap(m) {
    if (m === null || typeof m !== 'object') return m;
    const out = {};
    for (const [k, v] of m instanceof Map ? m.entries() : Object.entries(m)) out[v] = k;
    return out; // hessian.js writes a plain object as an untyped map `H…Z` (keys sorted)
  },
  async nullable(s) {
    return s;
  },
  async fail(message) {
    throw new Error(String(message));
  },
  async sleep(ms) {
    await sleep(Number(ms) || 0);
    return 'slept';
  },
};

const demoMethods = {
  async sayHello(name) {
    return `Hello ${name}`;
  },
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.port > 0) {
    // dubbo-service.js calls `port_1.randomPort()` through the module's exports object.
    const portModule = require(path.join(path.dirname(require.resolve('apache-dubbo-service')), 'port.js'));
    portModule.randomPort = async () => opts.port;
  }
  const { DubboService, dubboSetting } = require('apache-dubbo-service');
  const registry = new MemoryRegistry();
  const props = {
    registry,
    services: {
      EchoService: { dubboInterface: ECHO_INTERFACE, methods: echoMethods },
      DemoService: { dubboInterface: DEMO_INTERFACE, methods: demoMethods },
    },
  };
  if (opts.version || opts.echoVersion) {
    // getDubboSetting must match every service, or the package dereferences null.
    dubboSetting.match(DEMO_INTERFACE, { group: '', version: opts.version || '0.0.0' });
    dubboSetting.match(ECHO_INTERFACE, { group: '', version: opts.echoVersion || '0.0.0' });
    props.dubboSetting = dubboSetting;
  }
  const svc = new DubboService(props);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // server.close() would wait for consumers to hang up; this is a test peer, so just go.
    try {
      svc.close().catch(() => {});
    } catch {}
    setTimeout(() => process.exit(0), 50).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const timer = setTimeout(() => {
    process.stderr.write('dubbo-service-provider: not ready after 15 s\n');
    process.exit(1);
  }, 15000);
  await svc.ready();
  clearTimeout(timer);
  process.stdout.write(`READY ${svc.getPort()}\n`);
  if (!opts.quiet) {
    for (const r of registry.registered) process.stdout.write(JSON.stringify({ registered: r.dubboServiceUrl }) + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`dubbo-service-provider: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
