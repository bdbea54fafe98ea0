#!/usr/bin/env node
'use strict';
// Scripted opponent: the real npm SOFA RPC server `sofa-rpc-node@2.10.0` serving the conformance
// EchoService (`com.meshlet.conformance.EchoService:1.0`) over Bolt v1 + hessian2, and the protobuf
// `com.meshlet.proto.ProtoService:1.0` of `lib/echo.proto` (codec 11), with no registry, or
// published in ZooKeeper through the package's own `ZookeeperRegistry` (`--zk`).
//
//   node test/interop/peers/sofa-provider.cjs [--port N] [--quiet] [--zk HOST:PORT[/root]]
//
// Prints `READY <port>` on stdout once it accepts calls (with `--zk`: once both services are
// published and the package has read its own URL back from ZooKeeper). Exits 0 on SIGTERM / SIGINT.
//
// - `--zk`: `new ZookeeperRegistry({ address })` from `sofa-rpc-node`'s `registry` (built on
//   zookeeper-cluster-client → node-zookeeper-client, pure JS), handed to `RpcServer` as `registry`,
//   then `server.publish()`: each service writes an ephemeral, empty node
//   `/sofa-rpc/{interface}/providers/{encodeURIComponent(url)}` (the root is `/sofa-rpc/` unless
//   the address carries a path). `publishAddress: '127.0.0.1'` so the URL names loopback rather
//   than the first external IPv4. On SIGTERM `server.close()` deletes the nodes (`unPublish`),
//   then the registry's ZooKeeper session is closed.
// - Port: 0 (default) picks a free one; the package binds every interface, `lib/loopback.cjs`
//   makes its `listen(port)` bind 127.0.0.1.
// - Handlers must be real `async function`s: the package answers anything else with
//   "Can not find method" (bolt-sofa.md §2.6-2).
// - Types: the package writes plain JS values by their runtime type (an integral number is an
//   `int`), so results whose Java type differs are returned as js-to-java style `{$class, $}`.
// - A thrown error goes back as status SERVER_EXCEPTION + an RpcServerException body (not the
//   Java shape, bolt-sofa.md §1.9); a handler slower than the caller's timeout is never answered.
const path = require('path');
const protobuf = require('protobufjs');
const { bindLoopback } = require('./lib/loopback.cjs');

bindLoopback();
const { RpcServer } = require('sofa-rpc-node').server;

// Protobuf (codec 11) service: the package finds message types through `proto.lookupService(interface)`.
const proto = protobuf.loadSync(path.join(__dirname, 'lib/echo.proto'));

function parseArgs(argv) {
  const opts = { port: 0, quiet: false, zk: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(next());
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--zk') opts.zk = next();
    else if (a === '--host') {
      const h = next();
      if (h !== '127.0.0.1' && h !== 'localhost') throw new Error('this peer only binds 127.0.0.1');
    } else if (a === '--protocol') {
      if (next() !== 'bolt') throw new Error('only --protocol bolt');
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: sofa-provider.cjs [--port N] [--quiet] [--zk HOST:PORT[/root]]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('bad --port');
  if (opts.zk && !/^[^:,/]+:\d+(,[^:,/]+:\d+)*(\/.*)?$/.test(opts.zk)) throw new Error('bad --zk (HOST:PORT[,HOST:PORT][/root])');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const quietLogger = { info() {}, debug() {}, warn() {}, error() {} };
const logger = opts.quiet ? quietLogger : { ...quietLogger, error: (e) => process.stderr.write(`sofa-provider: ${e && e.message ? e.message : e}\n`) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms); });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A long as it arrives (number, or a decimal string / Long beyond 2^53) → BigInt. */
function toBig(x) {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' || typeof x === 'string') return BigInt(x);
  if (x && typeof x.toString === 'function') return BigInt(x.toString());
  throw new TypeError(`not a long: ${typeof x}`);
}
const long = (v) => ({ $class: 'long', $: v.toString() });

const echoService = {
  async echo(s) {
    return s;
  },
  async addInt(a, b) {
    return { $class: 'int', $: (a + b) | 0 };
  },
  async addLong(a, b) {
    return long(BigInt.asIntN(64, toBig(a) + toBig(b)));
  },
  async mulDouble(a, b) {
    return { $class: 'double', $: a * b };
  },
  async negate(b) {
    return !b;
  },
  async reverseBytes(b) {
    return Buffer.from(b).reverse();
  },
  async reverseList(l) {
    return [...l].reverse();
  },
  async swapMap(m) {
    const out = {};
    for (const [k, v] of m instanceof Map ? m.entries() : Object.entries(m)) out[v] = k;
    return { $class: 'java.util.HashMap', $: out };
  },
  async echoUser(u) {
    return {
      $class: 'com.meshlet.conformance.User',
      $: {
        id: long(toBig(u.id)),
        name: { $class: 'java.lang.String', $: u.name },
        tags: { $class: 'java.util.List', $: u.tags },
        attrs: { $class: 'java.util.Map', $: u.attrs },
        active: { $class: 'boolean', $: u.active },
        score: { $class: 'double', $: u.score },
      },
    };
  },
  async nullable(s) {
    return s === null ? null : { $class: 'java.lang.String', $: s };
  },
  async fail(message) {
    throw new Error(String(message));
  },
  async sleep(ms) {
    await sleep(Number(ms) || 0);
    return 'slept';
  },
};

const protoService = {
  async echoStr(req) {
    return { s: `${req.s}!`, n: (BigInt(String(req.n)) + 1n).toString() };
  },
  async fail(req) {
    throw new Error(`bad ${req.s}`);
  },
};

async function main() {
  let registry;
  if (opts.zk) {
    const { ZookeeperRegistry } = require('sofa-rpc-node').registry;
    registry = new ZookeeperRegistry({ logger, address: opts.zk });
    registry.on('error', (err) => logger.error(err));
    await withTimeout(registry.ready(), 10_000, 'ZooKeeper session');
  }
  const server = new RpcServer({ logger, port: opts.port, appName: 'sofa-provider', proto, registry, publishAddress: '127.0.0.1' });
  server.addService({ interfaceName: 'com.meshlet.conformance.EchoService', version: '1.0' }, echoService);
  server.addService({ interfaceName: 'com.meshlet.proto.ProtoService', version: '1.0' }, protoService);
  // It emits 'error' for every refused call ("not found service"); sdk-base prints unhandled ones.
  server.on('error', (err) => logger.error(err));
  await server.start();
  // publish() resolves once the package's own subscription has seen every URL it wrote.
  if (registry) await withTimeout(server.publish(), 10_000, 'publishing in ZooKeeper');
  process.stdout.write(`READY ${server.publishPort}\n`);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      // close() unpublishes, then waits for clients to hang up; a stopped peer must not hold the
      // test, so bound it (and the registry's close).
      Promise.race([server.close(), sleep(1000)])
        .then(() => registry && Promise.race([registry.close(), sleep(1000)]))
        .then(() => process.exit(0), () => process.exit(0));
    });
  }
}

main().catch((err) => {
  process.stderr.write(`sofa-provider: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
