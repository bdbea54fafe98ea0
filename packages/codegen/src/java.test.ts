import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, type ServiceDefinition } from '@meshlet/core';
import { Acc, parseClass } from './classfile.js';
import { generateJava } from './java-gen.js';
import { loadClasses } from './java-input.js';
import { parseClassSig, parseFieldType, parseMethodSig } from './signature.js';
import { readZip } from './zip.js';
import { API, compileJava } from './java.test.util.js';

/** A typed INVALID_ARGUMENT, nothing else, is the only acceptable failure on bad bytes. */
function parsesOrRefuses(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof RpcError) || err.code !== Code.InvalidArgument) throw err;
  }
}

describe('codegen: Java class files', () => {
  let built: { classes: string; jar: string };
  before(() => {
    built = compileJava(API);
  });

  it('parses members, flags, generic signatures, Exceptions and nested names from javac output', () => {
    const item = parseClass(readFileSync(join(built.classes, 'com/acme/model/Item.class')));
    assert.equal(item.name, 'com.acme.model.Item');
    assert.equal(item.superName, 'com.acme.model.Base');
    assert.equal(item.signature, 'Lcom/acme/model/Base<Ljava/lang/Long;>;');
    assert.deepEqual(item.fields.map((f) => f.name).slice(0, 3), ['qty', 'maybe', 'ids']);
    assert.ok(item.fields.some((f) => f.name === 'été'), 'modified UTF-8 names decode');
    const index = item.fields.find((f) => f.name === 'index')!;
    assert.deepEqual(parseFieldType(index.signature!), {
      k: 'class', name: 'java.util.Map', args: [
        { k: 'class', name: 'java.lang.String', args: [] },
        { k: 'class', name: 'java.util.List', args: [{ k: 'class', name: 'java.lang.Long', args: [] }] },
      ],
    });
    const kind = parseClass(readFileSync(join(built.classes, 'com/acme/model/Item$Kind.class')));
    assert.equal(kind.name, 'com.acme.model.Item$Kind');
    assert.ok(kind.access & Acc.Enum);
    assert.deepEqual(kind.fields.filter((f) => f.access & Acc.Enum).map((f) => f.name), ['SMALL', 'LARGE']);
    const svc = parseClass(readFileSync(join(built.classes, 'com/acme/api/ItemService.class')));
    assert.ok(svc.access & Acc.Interface);
    assert.deepEqual(svc.interfaces, ['com.acme.api.BaseApi']);
    assert.deepEqual(svc.methods.find((m) => m.name === 'get')!.exceptions, ['com.acme.api.NotFound']);
    const same = parseMethodSig(svc.methods.find((m) => m.name === 'same')!.signature!);
    assert.deepEqual(same.typeParams, [{ name: 'T', bound: { k: 'class', name: 'com.acme.model.Item', args: [] } }]);
    assert.deepEqual(parseClassSig('<T::Ljava/lang/Comparable<TT;>;>Ljava/lang/Object;').typeParams[0]!.bound,
      { k: 'class', name: 'java.lang.Comparable', args: [{ k: 'var', name: 'T' }] });
  });

  it('reads the same classes from a jar (deflated by the JDK jar tool) as from the folder', () => {
    const fromJar = loadClasses([built.jar]);
    const fromDir = loadClasses([built.classes]);
    assert.deepEqual([...fromJar.keys()].sort(), [...fromDir.keys()].sort());
    assert.deepEqual(fromJar.get('com.acme.model.Item'), fromDir.get('com.acme.model.Item'));
    assert.equal(generateJava(fromJar).code, generateJava(fromDir).code);
  });

  it('generates exact Java types, every overload, generic DTOs per use, enums and exceptions', () => {
    const r = generateJava(loadClasses([built.jar]), { include: ['com.acme.api.*'], version: '1.0' });
    assert.deepEqual(r.services, ['com.acme.api.BaseApi', 'com.acme.api.Crud', 'com.acme.api.ItemCrud', 'com.acme.api.ItemService']);
    const code = r.code;
    const has = (s: string) => assert.ok(code.includes(s), `expected in the output: ${s}\n${code}`);
    has('maybe: t.nullable(t.int32),');
    has('qty: t.int32,');
    has('ids: t.array(t.int64),');
    has('raw: t.bytes,');
    has('names: t.array(t.string),');
    has('index: t.map(t.string, t.list(t.nullable(t.int64))),');
    has('tags: t.set(Item_Tag),');
    has('price: t.decimal,');
    has('c: t.char,');
    has('key: t.nullable(t.int64),'); // the superclass's type variable bound by `extends Base<Long>`
    assert.ok(!code.includes('COUNTER') && !code.includes('cache:'), 'static and transient fields are not serialized');
    assert.ok(code.indexOf('qty: t.int32') < code.indexOf('key: t.nullable'), 'subclass fields first, as Hessian writes them');
    has('export const Item_Kind = t.enum("com.acme.model.Item$Kind", ["SMALL","LARGE"]);');
    has('export const PageOfItem = t.object("com.acme.model.Page", {\n  items: t.list(Item),\n  total: t.int32,\n});');
    has('findInt: { name: "find", params: [t.int32], returns: t.string },');
    has('findInteger: { name: "find", params: [t.nullable(t.int32)], returns: t.string },');
    has('findString: { name: "find", params: [t.string], returns: t.string },');
    has('findLongArray: { name: "find", params: [t.array(t.int64)], returns: t.string },');
    has('same: { params: [Item], returns: Item },');
    has('all: { params: [], returns: t.map(t.string, Item) },');
    has('put: { params: [t.list(Item), Item_Kind], returns: t.void },');
    has('size: { params: [], returns: t.int32 },');
    has('ping: { params: [], returns: t.string },');
    has('export const NotFound = javaException("com.acme.api.NotFound", ["com.acme.api.Gone"]);');
    has('version: "1.0",');
    has('export const Vendor = javaException("com.acme.api.Vendor");');
    assert.ok(!code.includes('helper'), 'static interface methods are not remote');
    assert.ok(!code.includes('Hidden'), '--include leaves other packages out');
    assert.ok(r.warnings.some((w) => w.includes('refers to itself')), 'a recursive DTO field is reported');
  });

  it('an exception whose superclass is not in the input is still an exception (by its superclass\'s name)', () => {
    const classes = loadClasses([built.classes]);
    classes.delete('com.vendor.VendorException');
    assert.match(generateJava(classes, { include: ['com.acme.api.*'] }).code, /export const Vendor = javaException\("com.acme.api.Vendor"\);/);
  });

  it('compiles (strict, noUnusedLocals) and every method\'s parameter types are the Java method\'s erased descriptor', async () => {
    const classes = loadClasses([built.classes]);
    const r = generateJava(classes, { include: ['com.acme.api.*'] });
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-codegen-tsc-'));
    writeFileSync(join(dir, 'api.ts'), r.code);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUnusedLocals: true, skipLibCheck: true, types: [], outDir: 'dist' },
      include: ['*.ts'],
    }));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      assert.fail(`generated code does not compile:\n${(err as { stdout: string }).stdout}\n${r.code}`);
    }
    const mod = (await import(join(dir, 'dist', 'api.js'))) as Record<string, ServiceDefinition>;
    let checked = 0;
    for (const name of r.services) {
      const def = mod[name.slice(name.lastIndexOf('.') + 1)]!;
      for (const m of def.methods.values()) {
        // Dubbo finds a provider's method by name and these JVM descriptors: they must be javac's.
        const java = [...classes.values()].flatMap((c) => c.methods).filter((x) => x.name === m.name && x.descriptor.startsWith(`(${m.paramDescriptor})`));
        assert.ok(java.length > 0, `${name}.${m.key}: (${m.paramDescriptor}) is no Java ${m.name} descriptor`);
        checked++;
      }
    }
    assert.ok(checked >= 14, `checked ${checked} methods`);
    const crud = mod.ItemCrud!.methods.get('store')!;
    assert.deepEqual(crud.paramTypes, ['java.io.Serializable', 'java.util.HashMap', 'java.lang.Object', '[[I', '[Ljava.lang.Long;']);
    // Crud<Item, Long>: T is Item where it is not a parameter's own erased type.
    assert.equal(mod.ItemCrud!.methods.get('load')!.returns.javaType, 'com.acme.model.Item');
    assert.equal(mod.ItemCrud!.methods.get('load')!.paramTypes[0], 'java.lang.Object');
    assert.equal(crud.params[1]!.value!.element!.javaType, 'com.acme.model.Item');
    assert.equal(mod.Crud!.methods.get('load')!.returns.javaType, 'java.io.Serializable');
  });

  it('never throws anything but INVALID_ARGUMENT on corrupted class bytes', () => {
    const good = readFileSync(join(built.classes, 'com/acme/model/Item.class'));
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(good.length),
      (flips, cut) => {
        const bad = Buffer.from(good.subarray(0, Math.max(cut, good.length - 64)));
        for (const [i, v] of flips) if (i < bad.length) bad[i] = v;
        parsesOrRefuses(() => {
          const c = parseClass(bad);
          // What parsed must still generate or refuse with a typed error (signatures are parsed then).
          generateJava(new Map([[c.name, c]]));
        });
      },
    ), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => parsesOrRefuses(() => parseClass(b))), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      parsesOrRefuses(() => parseMethodSig(s));
      parsesOrRefuses(() => parseClassSig(s));
      parsesOrRefuses(() => parseFieldType(s));
    }), { numRuns: 500 });
  });

  it('never throws anything but INVALID_ARGUMENT on corrupted jars', () => {
    const good = readFileSync(built.jar);
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(good.length),
      (flips, cut) => {
        const bad = Buffer.from(good.subarray(0, cut));
        for (const [i, v] of flips) if (i < bad.length) bad[i] = v;
        parsesOrRefuses(() => {
          for (const [name, bytes] of readZip(bad, (n) => n.endsWith('.class'))) parseClass(bytes, name);
        });
      },
    ), { numRuns: 300 });
    assert.throws(() => readZip(Buffer.from('PK\u0005\u0006 not really'), () => true), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
    assert.throws(() => loadClasses(['/nonexistent/api.jar']), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /no such file/.test((e as Error).message));
  });
});
