// Dubbo compatibility of the consistent-hash ring and of warm-up, checked two ways:
// 1. a fixed table of picks derived once with the Java oracle (java-oracle/DubboRingOracle.java);
// 2. the oracle itself, run on the JVM over a few hundred generated keys, so Java's own
//    Integer/Long/Double/Float/List toString, TreeMap ceiling and float arithmetic are the judge.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { t, type TypeDesc } from '@meshlet/core';
import { consistentHash, keyOf } from './consistent-hash.js';
import { candidates, ep, invocationWith, seeded } from './test-support.js';
import { warmupWeight } from './warmup.js';

const three = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((h) => ep(h, 20880));

test('known picks of a Java Dubbo consumer (derived with the oracle, 160 nodes, three providers)', () => {
  const lb = consistentHash();
  const set = candidates(three);
  const pick = (params: TypeDesc[], args: unknown[], indexes = [0]) =>
    consistentHash({ arguments: indexes }).pick(set, invocationWith(params, args)).endpoint.host;
  assert.equal(lb.pick(set, invocationWith([t.string], ['hello'])).endpoint.host, '10.0.0.2');
  assert.equal(pick([t.int32], [42]), '10.0.0.2');
  assert.equal(pick([t.int64, t.string], [1234567890123n, 'x'], [0, 1]), '10.0.0.1');
  assert.equal(pick([t.float64], [1e7]), '10.0.0.3');
  assert.equal(pick([t.float32], [0.1]), '10.0.0.1');
  assert.equal(pick([t.list(t.int32)], [[1, 2, 3]]), '10.0.0.3');
  assert.equal(pick([t.string], [null]), '10.0.0.2');
});

const JAVA_SOURCES = fileURLToPath(new URL('../java-oracle/', import.meta.url));
const INSTALL = 'install a JDK: `apt-get update && apt-get install -y default-jdk-headless` (scripts/system-deps.sh does)';
let classes = '';

before(() => {
  const javac = spawnSync('javac', ['-version'], { encoding: 'utf8' });
  if (javac.error !== undefined || javac.status !== 0) assert.fail(`Dubbo ring oracle: javac not found. ${INSTALL}`);
  classes = mkdtempSync(join(tmpdir(), 'meshlet-lb-oracle-'));
  const out = spawnSync('javac', ['-d', classes, join(JAVA_SOURCES, 'DubboRingOracle.java')], { encoding: 'utf8' });
  if (out.status !== 0) assert.fail(`javac failed:\n${out.stderr}`);
});

after(() => {
  if (classes !== '') rmSync(classes, { recursive: true, force: true });
});

function oracle(commands: string[]): string[] {
  const out = spawnSync('java', ['-cp', classes, 'com.meshlet.lb.DubboRingOracle'], { input: `${commands.join('\n')}\n`, encoding: 'utf8' });
  if (out.status !== 0) assert.fail(`oracle failed (${out.status}):\n${out.stderr}`);
  return out.stdout.split('\n').filter((l) => l !== '');
}

/** One generated argument: its descriptor, its JS value, and how the oracle spells it. */
interface Arg { type: TypeDesc; value: unknown; wire: string }

function generate(random: () => number): Arg {
  const int = () => Math.floor(random() * 2 ** 32) - 2 ** 31;
  switch (Math.floor(random() * 8)) {
    case 0: { const s = `k${int()}-${Array.from('é中😀').slice(0, Math.floor(random() * 4)).join('')}`; return { type: t.string, value: s, wire: `S:${s}` }; }
    case 1: { const v = int(); return { type: t.int32, value: v, wire: `I:${v}` }; }
    case 2: { const v = BigInt(int()) * 4_000_000_007n; return { type: t.int64, value: v, wire: `J:${v}` }; }
    case 3: {
      const v = [0.1, 1.5, 100, 1e7, 1.234e-5, 123456.789, -2.5e-3, 1e21, 9999999, 0.001, -0][Math.floor(random() * 11)]! * (random() < 0.5 ? 1 : 3);
      return { type: t.float64, value: v, wire: `D:${Object.is(v, -0) ? '-0.0' : v}` };
    }
    case 4: { const v = [0.1, 1 / 3, 2.5, 1e8, 3e-4][Math.floor(random() * 5)]!; return { type: t.float32, value: v, wire: `F:${Math.fround(v)}` }; }
    case 5: { const v = random() < 0.5; return { type: t.bool, value: v, wire: `Z:${v}` }; }
    case 6: return { type: t.string, value: null, wire: 'N' };
    default: {
      const items = Array.from({ length: Math.floor(random() * 4) }, () => int());
      return { type: t.list(t.int32), value: items, wire: `LI:${items.join('|')}` };
    }
  }
}

test('the Java oracle and our ring agree on hundreds of generated keys, rings and argument rules', () => {
  const random = seeded(2026);
  const rings: [string[], number][] = [
    [['10.0.0.1:20880', '10.0.0.2:20880', '10.0.0.3:20880'], 160],
    [['192.168.1.10:20880', '192.168.1.11:20881', '192.168.1.12:20882', '192.168.1.13:20883', '192.168.1.14:20884'], 160],
    [Array.from({ length: 12 }, (_, i) => `172.16.0.${i + 1}:${20000 + i}`), 40],
  ];
  for (const [addresses, nodes] of rings) {
    const endpoints = addresses.map((a) => { const [h, p] = a.split(':'); return ep(h!, Number(p)); });
    const commands = [['ring', nodes, ...addresses].join('\t')];
    const cases: { indexes: number[]; args: Arg[] }[] = [];
    for (let i = 0; i < 150; i++) {
      const args = Array.from({ length: 1 + Math.floor(random() * 3) }, () => generate(random));
      const indexes = random() < 0.5 ? [0] : [args.length - 1, 0, 7];
      cases.push({ indexes, args });
      commands.push(['index', indexes.join(',')].join('\t'), ['select', ...args.map((a) => a.wire)].join('\t'));
    }
    const answers = oracle(commands);
    assert.equal(answers[0], `points ${addresses.length * Math.floor(nodes / 4) * 4}`);
    cases.forEach(({ indexes, args }, i) => {
      const [address, javaKey] = answers[2 + i * 2]!.split('\t') as [string, string];
      const lb = consistentHash({ arguments: indexes, nodes });
      const inv = invocationWith(args.map((a) => a.type), args.map((a) => a.value));
      assert.equal(keyOf(inv, indexes), javaKey);
      const chosen = lb.pick(candidates(endpoints), inv).endpoint;
      assert.equal(`${chosen.host}:${chosen.port}`, address, `key ${JSON.stringify(javaKey)} (${args.map((a) => a.wire).join(' ')})`);
    });
  }
});

test('the Java oracle and warmupWeight agree on the whole ramp, float rounding included', () => {
  const random = seeded(7);
  const cases: [number, number, number][] = [];
  for (let i = 0; i < 400; i++) {
    const warmup = [600_000, 60_000, 123_457, 1000][i % 4]!;
    cases.push([1 + Math.floor(random() * warmup), warmup, 1 + Math.floor(random() * 1000)]);
  }
  const answers = oracle(cases.map((c) => ['warmup', ...c].join('\t')));
  cases.forEach(([u, w, weight], i) => assert.equal(warmupWeight(u, w, weight), Number(answers[i]), `uptime ${u}, warmup ${w}, weight ${weight}`));
});
