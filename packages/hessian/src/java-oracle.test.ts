// Java (Caucho Hessian 4, Debian's libhessian-java) as an oracle: Java's Hessian2Input.readObject()
// decodes what we write to the Java types we declared, and we decode what Hessian2Output writes.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { t } from '@meshlet/core';
import { HessianReader, HessianWriter, decode, encode, javaClassOf, throwableMessage } from './index.js';

const JAR = process.env.MESHLET_HESSIAN_JAR ?? '/usr/share/java/hessian.jar';
const SOURCES = fileURLToPath(new URL('../java-oracle/', import.meta.url));
const INSTALL = 'install a JDK and Caucho Hessian: `apt-get update && apt-get install -y default-jdk-headless libhessian-java` '
  + '(provides javac and /usr/share/java/hessian.jar; or set MESHLET_HESSIAN_JAR)';
const JVM_OPENS = ['java.lang', 'java.util', 'java.math', 'java.util.concurrent', 'java.io', 'java.time'].flatMap((p) => ['--add-opens', `java.base/${p}=ALL-UNNAMED`]);

let classes = '';

before(() => {
  const javac = spawnSync('javac', ['-version'], { encoding: 'utf8' });
  if (javac.error !== undefined || javac.status !== 0) assert.fail(`Java oracle: javac not found. ${INSTALL}`);
  if (!existsSync(JAR)) assert.fail(`Java oracle: ${JAR} not found. ${INSTALL}`);
  classes = mkdtempSync(join(tmpdir(), 'meshlet-hessian-oracle-'));
  const files = readdirSync(SOURCES).filter((f) => f.endsWith('.java')).map((f) => join(SOURCES, f));
  const out = spawnSync('javac', ['-d', classes, '-cp', JAR, ...files], { encoding: 'utf8' });
  if (out.status !== 0) assert.fail(`Java oracle: javac failed:\n${out.stderr}`);
});

after(() => {
  if (classes !== '') rmSync(classes, { recursive: true, force: true });
});

function java(mode: 'encode' | 'decode', input = ''): string[] {
  const out = spawnSync('java', [...JVM_OPENS, '-cp', `${classes}:${JAR}`, 'com.meshlet.conformance.Oracle', mode], {
    input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status !== 0) assert.fail(`java Oracle ${mode} failed (${out.status}):\n${out.stderr}`);
  return out.stdout.split('\n').filter((l) => l !== '');
}

interface Rendered {
  t: string;
  v: unknown;
  message?: string | null;
}

const I = (v: number): Rendered => ({ t: 'java.lang.Integer', v });
const L = (v: string): Rendered => ({ t: 'java.lang.Long', v });
const S = (v: string): Rendered => ({ t: 'java.lang.String', v });

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
const pair = '\ud83d\ude00';
const longString = `${'a'.repeat(0x7fff)}${pair}${'中'.repeat(40000)}${pair}`;
const bigBytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) & 0xff));

test('Java decodes our encodings to the declared Java types', () => {
  const w = new HessianWriter();
  const cases: Array<{ name: string; write: (w: HessianWriter) => void; expect: (r: Rendered[]) => void }> = [];
  const one = (name: string, write: (w: HessianWriter) => void, expect: (r: Rendered) => void): void => {
    cases.push({ name, write, expect: (rs) => { assert.equal(rs.length, 1); expect(rs[0]!); } });
  };
  const typed = (name: string, value: unknown, desc: Parameters<HessianWriter['writeTyped']>[1], javaType: string, v: unknown): void =>
    one(name, (x) => x.writeTyped(value, desc), (r) => assert.deepStrictEqual(r, { t: javaType, v }, name));

  typed('int32', 5, t.int32, 'java.lang.Integer', 5);
  typed('int32 min', -(2 ** 31), t.int32, 'java.lang.Integer', -(2 ** 31));
  typed('int64 small', 5n, t.int64, 'java.lang.Long', '5');
  typed('int64 from number', 7, t.int64, 'java.lang.Long', '7');
  typed('int64 2^53+1', 2n ** 53n + 1n, t.int64, 'java.lang.Long', '9007199254740993');
  typed('int64 min', -(2n ** 63n), t.int64, 'java.lang.Long', '-9223372036854775808');
  typed('int64 -262145', -262145n, t.nullable(t.int64), 'java.lang.Long', '-262145');
  typed('float64 integral', 5, t.float64, 'java.lang.Double', '5.0');
  typed('float64 1.5', 1.5, t.float64, 'java.lang.Double', '1.5');
  typed('float64 0.1', 0.1, t.float64, 'java.lang.Double', '0.1');
  typed('float64 NaN', NaN, t.float64, 'java.lang.Double', 'NaN');
  typed('float64 -0', -0, t.float64, 'java.lang.Double', '-0.0');
  typed('float64 -Infinity', -Infinity, t.float64, 'java.lang.Double', '-Infinity');
  typed('float64 1e300', 1e300, t.float64, 'java.lang.Double', '1.0E300');
  typed('bool', true, t.bool, 'java.lang.Boolean', true);
  typed('string emoji', 'a😀b', t.string, 'java.lang.String', 'a😀b');
  typed('string chunked', longString, t.string, 'java.lang.String', longString);
  typed('bytes', Buffer.from([1, 2, 3]), t.bytes, '[B', '010203');
  typed('bytes chunked', bigBytes, t.bytes, '[B', bigBytes.toString('hex'));
  typed('date', new Date(1700000000000), t.date, 'java.util.Date', '1700000000000');
  typed('date minute', new Date(1700000040000), t.date, 'java.util.Date', '1700000040000');
  typed('enum', 'SECONDS', t.enum('java.util.concurrent.TimeUnit', ['SECONDS']), 'java.util.concurrent.TimeUnit', 'SECONDS');
  typed('int[]', [1, 2], t.array(t.int32), '[I', [I(1), I(2)]);
  typed('long[]', [1n, 2n ** 40n], t.array(t.int64), '[J', [L('1'), L('1099511627776')]);
  typed('String[]', ['x', 'y'], t.array(t.string), '[Ljava.lang.String;', [S('x'), S('y')]);
  typed('Integer[]', [1, null], t.array(t.nullable(t.int32)), '[Ljava.lang.Integer;', [I(1), null]);
  typed('boolean[]', [true], t.array(t.bool), '[Z', [{ t: 'java.lang.Boolean', v: true }]);
  typed('double[]', [1.5], t.array(t.float64), '[D', [{ t: 'java.lang.Double', v: '1.5' }]);
  typed('byte[] via array(int8)', [-1, 2], t.array(t.int8), '[B', 'ff02');
  typed('int[][]', [[1], [2, 3]], t.array(t.array(t.int32)), '[[I', [{ t: '[I', v: [I(1)] }, { t: '[I', v: [I(2), I(3)] }]);
  typed('list', ['a'], t.list(t.string), 'java.util.ArrayList', [S('a')]);
  typed('LinkedList', ['a'], t.list(t.string, 'java.util.LinkedList'), 'java.util.LinkedList', [S('a')]);
  typed('set', ['a'], t.set(t.string), 'java.util.HashSet', [S('a')]);
  typed('map', new Map([['k', 5n]]), t.map(t.string, t.int64), 'java.util.HashMap', [['k', '5']].map(([k, v]) => [{ t: 'java.lang.String', v: k }, { t: 'java.lang.Long', v }]));
  typed('TreeMap', { b: 1, a: 2 }, t.map(t.string, t.int32, 'java.util.TreeMap'), 'java.util.TreeMap',
    [['a', 2], ['b', 1]].map(([k, v]) => [{ t: 'java.lang.String', v: k }, { t: 'java.lang.Integer', v }]));
  one('User POJO', (x) => x.writeTyped({ id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', 'b'], attrs: { k: 'v' }, active: true, score: 99.5 }, User), (r) => {
    assert.equal(r.t, 'com.meshlet.conformance.User');
    assert.deepStrictEqual(r.v, {
      id: { t: 'java.lang.Long', v: '9007199254740993' },
      name: { t: 'java.lang.String', v: 'Zoë 😀' },
      tags: { t: 'java.util.ArrayList', v: [{ t: 'java.lang.String', v: 'a' }, { t: 'java.lang.String', v: 'b' }] },
      attrs: { t: 'java.util.HashMap', v: [[{ t: 'java.lang.String', v: 'k' }, { t: 'java.lang.String', v: 'v' }]] },
      active: { t: 'java.lang.Boolean', v: true },
      score: { t: 'java.lang.Double', v: '99.5' },
    });
  });
  cases.push({
    name: 'two Users share one class definition; a back-reference keeps identity',
    write: (x) => {
      const u = { id: 1n, name: 'a', tags: [], attrs: {}, active: false, score: 0 };
      x.writeTyped([u, { ...u, id: 2n }, u], t.list(User));
    },
    expect: (rs) => {
      const list = rs[0]!.v as Rendered[];
      assert.equal(rs[0]!.t, 'java.util.ArrayList');
      assert.deepStrictEqual(list.map((u) => (u.v as { id: Rendered }).id.v), ['1', '2', '1']);
    },
  });
  one('RuntimeException', (x) => x.writeThrowable('java.lang.RuntimeException', 'boom'), (r) =>
    assert.deepStrictEqual(r, { t: 'java.lang.RuntimeException', v: {}, message: 'boom' }));
  one('IllegalStateException', (x) => x.writeThrowable('java.lang.IllegalStateException', 'bad 😀'), (r) =>
    assert.deepStrictEqual(r, { t: 'java.lang.IllegalStateException', v: {}, message: 'bad 😀' }));
  one('untyped number/bigint/map/list', (x) => x.writeValue([1, 2n, 1.5, new Map([['a', 'b']]), { k: 1 }]), (r) => {
    assert.equal(r.t, 'java.util.ArrayList');
    assert.deepStrictEqual((r.v as Rendered[]).map((e) => e.t), ['java.lang.Integer', 'java.lang.Long', 'java.lang.Double', 'java.util.HashMap', 'java.util.HashMap']);
  });
  one('untyped circular list', (x) => { const l: unknown[] = ['self']; l.push(l); x.writeValue(l); }, (r) =>
    assert.deepStrictEqual(r, { t: 'java.util.ArrayList', v: [{ t: 'java.lang.String', v: 'self' }, { t: 'java.util.ArrayList', v: '<cycle>' }] }));
  cases.push({
    name: 'Dubbo request body (golden A values)',
    write: (x) => {
      for (const s of ['2.0.2', 'org.apache.dubbo.demo.DemoService', '0.0.0', 'sayHello', 'Ljava/lang/String;', 'world']) x.writeString(s);
      x.writeTyped({ path: 'org.apache.dubbo.demo.DemoService', timeout: '3000' }, t.map(t.string, t.string));
    },
    expect: (rs) => {
      assert.equal(rs.length, 7);
      assert.deepStrictEqual(rs.slice(0, 6).map((r) => r.v), ['2.0.2', 'org.apache.dubbo.demo.DemoService', '0.0.0', 'sayHello', 'Ljava/lang/String;', 'world']);
      assert.equal(rs[6]!.t, 'java.util.HashMap');
    },
  });

  const lines = cases.map((c) => {
    w.reset();
    c.write(w);
    return w.finish().toString('hex');
  });
  const results = java('decode', `${lines.join('\n')}\n`);
  assert.equal(results.length, cases.length);
  cases.forEach((c, i) => {
    const parsed = JSON.parse(results[i]!) as Rendered[] | { error: string };
    if (!Array.isArray(parsed)) assert.fail(`${c.name}: Java failed to decode ${lines[i]!.slice(0, 200)}: ${parsed.error}`);
    c.expect(parsed);
  });
});

test('we decode what Java (Hessian2Output) writes', () => {
  const encoded = new Map(java('encode').map((l) => l.split('\t') as [string, string]));
  const get = (name: string): Buffer => {
    const h = encoded.get(name);
    assert.ok(h !== undefined, `Java encoded ${name}`);
    return Buffer.from(h, 'hex');
  };
  const expectations: Record<string, unknown> = {
    int1: 1, intBig: -1234567, longSmall: 1n, longNeg: -8n, long2p53p1: 9007199254740993n, longMin: -(2n ** 63n),
    double1_5: 1.5, double0_1: 0.1, doubleNaN: NaN, boolTrue: true, emoji: 'a😀b', bytes: Buffer.from([1, 2, 3]),
    intArray: [1, 2], stringArray: ['x', 'y'], arrayList: [1, 'two'], hashMap: new Map<unknown, unknown>([['a', 1], ['b', 'x']]),
    date: new Date(1700000000000), dateMinute: new Date(1700000040000), bigBinary: bigBytes,
  };
  for (const [name, value] of Object.entries(expectations)) assert.deepStrictEqual(decode(get(name)), value, name);
  assert.equal(javaClassOf(decode(get('intArray'))), '[int');
  assert.deepStrictEqual(decode(get('intArray'), t.array(t.int32)), [1, 2]);
  assert.equal(decode(get('longSmall'), t.int64), 1n);
  assert.equal(decode(get('int1'), t.int64), 1n);

  const expectedString = Array.from({ length: 40000 }, (_, i) => (i % 1000 === 999 ? '中' : String.fromCharCode(97 + (i % 26)))).join('');
  assert.equal(decode(get('longString')), expectedString);

  const user = { id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', 'b'], attrs: new Map([['k', 'v']]), active: true, score: 99.5 };
  assert.deepStrictEqual(decode(get('user'), User), user);
  const untypedUser = decode(get('user')) as Record<string, unknown>;
  assert.equal(javaClassOf(untypedUser), 'com.meshlet.conformance.User');
  assert.deepStrictEqual({ ...untypedUser }, user);

  const ex = decode(get('exception')) as Record<string, unknown>;
  assert.deepStrictEqual(throwableMessage(ex), { className: 'java.lang.RuntimeException', message: 'boom' });
  assert.ok(Array.isArray(ex.stackTrace) && javaClassOf(ex.stackTrace[0]) === 'java.lang.StackTraceElement');
  assert.equal(ex.cause, ex, 'Throwable.cause = this, as a back-reference');

  assert.equal(decode(get('enum'), t.enum('java.util.concurrent.TimeUnit', ['SECONDS'])), 'SECONDS');
  const circular = decode(get('circular')) as unknown[];
  assert.equal(circular[1], circular);
  // Caucho writes BigDecimal as fields scale/intVal (hessian-lite writes `value`); it still decodes untyped.
  assert.equal(javaClassOf(decode(get('bigDecimal'))), 'java.math.BigDecimal');

  // Several Java messages through one reader with reset().
  const r = new HessianReader(get('user'));
  assert.deepStrictEqual(r.readTyped(User), user);
  r.reset(get('exception'));
  assert.equal(throwableMessage(r.readValue())?.message, 'boom');
  assert.ok(encode(1).length === 1);
});
