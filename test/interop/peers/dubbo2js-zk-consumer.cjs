#!/usr/bin/env node
'use strict';
// Scripted opponent: dubbo2.js finding a provider through ZooKeeper (its own node-zookeeper-client,
// /dubbo/{interface}/providers) and calling it, the way a Node service in a Dubbo fleet does.
//
//   node test/interop/peers/dubbo2js-zk-consumer.cjs --registry 127.0.0.1:PORT
//        [--zk-root dubbo] [--echo-version 1.0] [--group G] [--timeout-ms 5000]
//   prints one JSON line per case {"client":"dubbo2.js+zookeeper","case","ok","got","error"}
//   and exits 0 (2 on a usage error, 1 if the script itself crashed).
//
// What dubbo2.js 2.3.9 does with ZooKeeper (read from es7/zookeeper.js, es7/dubbo-url.js):
// - lists /{zkRoot}/{interface}/providers once connected, decodeURIComponent()s each child and
//   keeps those starting with `dubbo://`; re-lists 2 s after each watch event;
// - matches a provider by exact `version` (absent → '0.0.0') and, when the consumer has one, `group`;
// - writes its own consumer node under /{zkRoot}/{interface}/consumers;
// - queues calls until a provider connection is up, so the first call waits for discovery.
// apache-dubbo-consumer's ZooKeeper registry (apache-dubbo-registry) needs the native `zookeeper`
// addon, which cannot be built here (npm runs no install scripts), so only dubbo2.js is driven.

const ECHO_INTERFACE = 'com.meshlet.conformance.EchoService';

function usage(msg) {
  if (msg) process.stderr.write(`dubbo2js-zk-consumer: ${msg}\n`);
  process.stderr.write('usage: dubbo2js-zk-consumer.cjs --registry host:port [--zk-root dubbo] [--echo-version V] [--group G] [--timeout-ms N]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { registry: '', zkRoot: 'dubbo', echoVersion: '1.0', group: '', timeoutMs: 5000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => (i + 1 < argv.length ? argv[++i] : usage(`missing value for ${a}`));
    switch (a) {
      case '--registry': o.registry = v(); break;
      case '--zk-root': o.zkRoot = v(); break;
      case '--echo-version': o.echoVersion = v(); break;
      case '--group': o.group = v(); break;
      case '--timeout-ms': o.timeoutMs = Number(v()); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!/^[^:,]+:\d+(,[^:,]+:\d+)*$/.test(o.registry)) usage('--registry host:port is required');
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0) usage('bad --timeout-ms');
  return o;
}

// Each case: method, typed-argument builder (js-to-java through the package's `java`), expected result.
const CASES = [
  { case: 'echo-hi', method: 'echo', args: (j) => [j.String('hi')], expect: 'hi' },
  { case: 'echo-emoji', method: 'echo', args: (j) => [j.String('héllo 😀 世界 𝄞')], expect: 'héllo 😀 世界 𝄞' },
  { case: 'negate-true', method: 'negate', args: (j) => [j.boolean(true)], expect: false },
  { case: 'addLong-2^53+1', method: 'addLong', args: (j) => [j.long('9007199254740993'), j.long('2')], expect: '9007199254740995' },
  { case: 'reverseList', method: 'reverseList', args: (j) => [j.List(['a', 'b', 'c'])], expect: ['c', 'b', 'a'] },
  { case: 'fail', method: 'fail', args: (j) => [j.String('boom')], expect: { error: 'boom' } },
];

function normalise(v) {
  if (v === undefined) return null;
  if (v instanceof Map) return normalise(Object.fromEntries(v));
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    if (typeof v.high === 'number' && typeof v.low === 'number') return v.toString();
    const out = {};
    for (const k of Object.keys(v)) out[k] = normalise(v[k]);
    return out;
  }
  return v;
}
const same = (expect, got) => {
  const g = normalise(got);
  if (typeof expect === 'string' && typeof g === 'number') return String(g) === expect;
  return JSON.stringify(expect) === JSON.stringify(g);
};
const errText = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? e : JSON.stringify(e));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { Dubbo, java, setting } = require('dubbo2.js');
  const rule = { version: o.echoVersion };
  if (o.group) rule.group = o.group;
  const methods = {};
  for (const c of CASES) methods[c.method] = (...typed) => typed;
  const dubbo = Dubbo.from({
    application: { name: 'dubbo2js-zk-peer' },
    register: o.registry,
    zkRoot: o.zkRoot,
    dubboSetting: setting.match(ECHO_INTERFACE, rule),
    dubboInvokeTimeout: o.timeoutMs / 1000, // seconds in this package
    service: { echo: (d) => d.proxyService({ dubboInterface: ECHO_INTERFACE, methods }) },
  });
  for (const c of CASES) {
    const line = { client: 'dubbo2.js+zookeeper', case: c.case, ok: false, got: null, error: null };
    try {
      const { res, err } = await dubbo.service.echo[c.method](...c.args(java));
      const wantsError = c.expect && typeof c.expect === 'object' && !Array.isArray(c.expect) && 'error' in c.expect;
      if (err) {
        line.error = errText(err);
        line.ok = Boolean(wantsError) && line.error.includes(c.expect.error);
      } else {
        line.got = normalise(res);
        line.ok = !wantsError && same(c.expect, res);
      }
    } catch (e) {
      line.error = errText(e);
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`dubbo2js-zk-consumer: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
