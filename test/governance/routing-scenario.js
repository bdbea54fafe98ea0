// What the condition-routing suites (ZooKeeper, Nacos, Java Dubbo beside Meshlet) share: waits,
// three echo providers, 128 loops of calls that record the rule state each call began under and
// the provider that answered, and Apache Dubbo's RuleConsumer (test/fleet/java/dubbo3) driven over stdin.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRuntime } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { javaArgs } from '../fleet/lib/maven.js';
import { scratch, waitForLine } from '../fleet/lib/processes.js';
import { JVM } from '../fleet/dubbo/peer.js';

/** Polls a synchronous `condition` every 10 ms. */
export async function waitFor(condition, ms, what) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls an async `check` every 200 ms (each check makes calls: no tighter loop). */
export async function until(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The provider index in an answer `i:text` of the test providers' echo. */
const providerOf = (answer) => Number(answer.slice(0, answer.indexOf(':')));

/**
 * 128 loops of calls to `echo.echo`; each records the state `mark()` reads before the call began
 * (whether the consumer had a rule in force) and which provider answered, or the failure.
 */
export function load(echo, mark) {
  const calls = [];
  const failures = [];
  let running = true;
  const loops = Array.from({ length: 128 }, async (_, i) => {
    while (running) {
      const state = mark();
      try {
        const answer = await echo.echo(`c${i}`);
        assert.equal(answer.slice(answer.indexOf(':') + 1), `c${i}`);
        calls.push({ state, provider: providerOf(answer) });
      } catch (e) {
        failures.push(`${e?.code} ${e?.message}`);
      }
    }
  });
  return { calls, failures, stop: async () => { running = false; await Promise.all(loops); } };
}

/** Calls per provider index. */
export const byProvider = (calls) => calls.reduce((m, c) => ((m[c.provider] = (m[c.provider] ?? 0) + 1), m), {});

/** The distinct provider indices of a list, sorted and joined: '0,1,2'. */
export const providerSet = (xs) => [...new Set(xs)].sort().join(',');

/** Which providers (by index) answered n sequential calls of echo(text) from a Meshlet reference. */
export async function meshletCalls(client, n, text) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = await client.echo(text);
    assert.ok(a.endsWith(`:${text}`), `meshlet got ${a}`);
    out.push(providerOf(a));
  }
  return out;
}

/**
 * Apache Dubbo's RuleConsumer (its registry, and so its config centre, at `registry`), started
 * from `peer` (dubboPeer('dubbo3')); resolves once it says READY. `calls(n, text, tag)`: which
 * providers answered n calls of echo(text) (with dubbo.tag `tag` if given).
 */
export async function javaRuleConsumer(peer, registry, readyMs) {
  const java = spawn('java', javaArgs(peer.classpath, 'com.meshlet.dubbo.RuleConsumer', ['--registry', registry], JVM), { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  java.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const stop = () => {
    java.stdin.end('QUIT\n');
    java.kill('SIGKILL');
  };
  await waitForLine(java, /READY/, readyMs).catch((e) => {
    stop();
    throw new Error(`${e.message}\n${err}`);
  });
  return {
    async calls(n, text, tag) {
      const answer = waitForLine(java, /ANSWERS ([^\n]*)\n/, 60_000);
      java.stdin.write(`CALLS ${n} ${text}${tag ? ` ${tag}` : ''}\n`);
      const [, list] = await answer;
      return list.split(',').map((a) => {
        assert.ok(a.endsWith(`:${text}`), `java got ${a}`);
        return providerOf(a);
      });
    },
    stop,
  };
}

/**
 * Starts three Meshlet dubbo providers of `service` on `registry()` (a fresh registry each), provider
 * i answering echo(s) with `i:s` (`impl`: the service's other methods), each pushed to `into` as
 * soon as it exists so the caller's `after` stops it even if a later one fails to start.
 */
export async function startEchoProviders(into, service, { application, registry, host = '127.0.0.1', impl = {} }) {
  for (let i = 0; i < 3; i++) {
    const p = createRuntime({ application, protocols: [dubbo()], registry: registry(), server: { host, port: 0 } });
    p.provide(service, { ...impl, echo: async (s) => `${i}:${s}` });
    into.push(p);
    await p.start();
  }
}
