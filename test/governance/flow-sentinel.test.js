// Flow rules against Sentinel itself: an Apache Dubbo 3.3.6 provider guarded by Sentinel's own Dubbo
// 3 adapter (sentinel-apache-dubbo3-adapter 1.8.8, Maven Central) and a plain Dubbo consumer, both
// small programs of ours (test/governance/java/sentinel). It shows that the resource names Meshlet
// gives calls are the ones Sentinel counts, that a Meshlet consumer's application is the origin
// Sentinel matches limitApp against, that the same JSON rules refuse the same calls on both, and
// what each side's callers see when refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { FlowRules, flowResourceNames, isFlowRefusal } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { freePort } from '../../packages/registry/dist/testing/index.js';
import { cached, root } from '../fleet/lib/cache.js';
import { javaArgs, mavenRepo } from '../fleet/lib/maven.js';
import { run } from '../fleet/lib/run.js';
import { requireTool } from '../fleet/lib/toolchain.js';

const FlowEcho = defineService({
  interface: 'com.meshlet.flow.FlowEcho',
  methods: {
    echo: { params: [t.string], returns: t.string },
    place: { params: [t.string, t.int32, t.array(t.string)], returns: t.string },
  },
});
const ECHO = 'com.meshlet.flow.FlowEcho:echo(java.lang.String)';
const moduleDir = join(root, 'test', 'governance', 'java', 'sentinel');

/** Builds the peer once per content of its folder (in the fleet cache, never in the work tree). */
async function classpath() {
  requireTool('java');
  requireTool('mvn');
  const dir = await cached('java-sentinel-flow', [moduleDir], async (out) => {
    const build = join(out, 'build');
    cpSync(moduleDir, build, { recursive: true });
    await run('mvn', ['-B', '-q', `-Dmaven.repo.local=${mavenRepo}`, '-DskipTests',
      'package', 'dependency:copy-dependencies', '-DincludeScope=runtime'], { cwd: build });
    cpSync(join(build, 'target', 'classes'), join(out, 'classes'), { recursive: true });
    mkdirSync(join(out, 'lib'));
    for (const jar of readdirSync(join(build, 'target', 'dependency'))) cpSync(join(build, 'target', 'dependency', jar), join(out, 'lib', jar));
    rmSync(build, { recursive: true, force: true });
  });
  return [join(dir, 'classes'), join(dir, 'lib', '*')].join(delimiter);
}

/** The Java provider: commands on stdin, answers read line by line. */
async function javaProvider(cp) {
  const port = await freePort();
  const child = spawn('java', javaArgs(cp, 'com.meshlet.flow.SentinelPeer', ['provider', String(port)]), { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (prefix) => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`java provider ended before ${prefix}\n${err}`);
      if (value.startsWith(prefix)) return value.slice(prefix.length);
    }
  };
  // A hung test must not leave a JVM behind; the provider also exits when its stdin closes.
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000).unref();
  await next('READY ');
  return {
    port,
    async rules(rules) {
      child.stdin.write(`rules ${JSON.stringify(rules)}\n`);
      return Number(await next('RULES '));
    },
    async resources() {
      child.stdin.write('resources\n');
      return JSON.parse(await next('RESOURCES '));
    },
    async stop() {
      clearTimeout(timer);
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** The Java consumer: `n` calls of echo at `url` as application `app`; one parsed line per call. */
async function javaConsumer(cp, url, app, n) {
  const out = await run('java', javaArgs(cp, 'com.meshlet.flow.SentinelPeer', ['consumer', url, app, String(n)]));
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

let cp;
let provider;
before(async () => {
  cp = await classpath();
  provider = await javaProvider(cp);
}, { timeout: 600_000 });
after(async () => {
  await provider?.stop();
});

test('Sentinel\'s Dubbo adapter counts a Meshlet consumer\'s calls under exactly the resource names Meshlet gives them', async () => {
  const client = createRuntime({ protocols: [dubbo()], application: 'shop' });
  try {
    const svc = client.refer(FlowEcho, { url: `127.0.0.1:${provider.port}`, cluster: 'failfast' });
    assert.equal(await svc.echo('a'), 'a');
    assert.equal(await svc.place('pen', 3, ['red', 'blue']), 'penx3:2');
    const seen = await provider.resources();
    const ours = [FlowEcho.methods.get('echo'), FlowEcho.methods.get('place')].flatMap((m) => Object.values(flowResourceNames(FlowEcho, m, 'provider')));
    assert.deepEqual(Object.keys(seen).filter((name) => name.startsWith('com.meshlet.flow.')).sort(), [...new Set(ours)].sort());
    assert.equal(seen['com.meshlet.flow.FlowEcho'].pass, 2);
    assert.equal(seen['com.meshlet.flow.FlowEcho:place(java.lang.String,int,[Ljava.lang.String;)'].pass, 1);
  } finally {
    await client.stop(0);
  }
});

test('the same JSON rules refuse the same caller on Sentinel and on Meshlet, and a Meshlet consumer reads both refusals alike', async () => {
  const rules = [{ resource: ECHO, count: 0, grade: 1, limitApp: 'shop', strategy: 0, controlBehavior: 0, clusterMode: false }];
  assert.equal(await provider.rules(rules), 1);
  const flow = new FlowRules({ rules, refusal: 'sentinel' });
  const meshlet = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor] });
  meshlet.provide(FlowEcho, { echo: async (s) => s, place: async (item, count, tags) => `${item}x${count}:${tags.length}` });
  await meshlet.start();
  const shop = createRuntime({ protocols: [dubbo()], application: 'shop' });
  const web = createRuntime({ protocols: [dubbo()], application: 'web' });
  try {
    const refusals = [];
    for (const port of [provider.port, meshlet.address().port]) {
      const asShop = shop.refer(FlowEcho, { url: `127.0.0.1:${port}`, cluster: 'failfast' });
      const asWeb = web.refer(FlowEcho, { url: `127.0.0.1:${port}`, cluster: 'failfast' });
      const err = await asShop.echo('a').then(() => assert.fail('not refused'), (e) => e);
      refusals.push({ code: err.code, remoteClass: err.remoteClass, message: err.message, flow: isFlowRefusal(err) });
      assert.equal(await asShop.place('pen', 1, []), 'penx1:0', 'another method: no rule');
      assert.equal(await asWeb.echo('b'), 'b', 'another caller: no rule');
    }
    const sentinel = { code: Code.Business, remoteClass: 'java.lang.RuntimeException', message: 'SentinelBlockException: FlowException', flow: true };
    assert.deepEqual(refusals, [sentinel, sentinel]);
  } finally {
    await provider.rules([]);
    await shop.stop(0);
    await web.stop(0);
    await meshlet.stop(0);
  }
});

test('what a Java Dubbo consumer sees when refused: by Sentinel, by Meshlet (busy), by Meshlet (refusal: sentinel)', async (t) => {
  const rules = [{ resource: 'com.meshlet.flow.FlowEcho', count: 0, limitApp: 'java-shop' }];
  assert.equal(await provider.rules(rules), 1);
  const seen = {};
  try {
    seen.bySentinel = (await javaConsumer(cp, `dubbo://127.0.0.1:${provider.port}`, 'java-shop', 1))[0];
    assert.deepEqual((await javaConsumer(cp, `dubbo://127.0.0.1:${provider.port}`, 'java-web', 1))[0], { ok: 'x0' });
    for (const refusal of ['busy', 'sentinel']) {
      const flow = new FlowRules({ rules, refusal });
      const meshlet = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [flow.serverInterceptor] });
      meshlet.provide(FlowEcho, { echo: async (s) => s, place: async () => '' });
      await meshlet.start();
      try {
        seen[refusal] = (await javaConsumer(cp, `dubbo://127.0.0.1:${meshlet.address().port}`, 'java-shop', 1))[0];
        assert.deepEqual((await javaConsumer(cp, `dubbo://127.0.0.1:${meshlet.address().port}`, 'java-web', 1))[0], { ok: 'x0' });
      } finally {
        await meshlet.stop(0);
      }
    }
  } finally {
    await provider.rules([]);
  }
  t.diagnostic(JSON.stringify(seen));
  // Sentinel's adapter answers a result holding the exception: the consumer rethrows it as it is.
  assert.deepEqual(seen.bySentinel, { class: 'java.lang.RuntimeException', message: 'SentinelBlockException: FlowException' });
  assert.deepEqual(seen.sentinel, seen.bySentinel, 'refusal: sentinel answers what Sentinel does');
  // Meshlet's default answers Dubbo status 100: the consumer's RpcException NETWORK_EXCEPTION (1),
  // which Java's failover retries on another provider, with Meshlet's text in its message.
  assert.equal(seen.busy.class, 'org.apache.dubbo.rpc.RpcException');
  assert.equal(seen.busy.code, 1);
  assert.match(seen.busy.message, /cause: org\.apache\.dubbo\.remoting\.RemotingException: flow control: com\.meshlet\.flow\.FlowEcho refused for caller java-shop by FlowRule\{resource=com\.meshlet\.flow\.FlowEcho, limitApp=java-shop, grade=QPS, count=0\} \(SentinelBlockException: FlowException\)/);
});
