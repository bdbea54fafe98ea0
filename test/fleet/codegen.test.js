// `meshlet gen` end to end: generate TypeScript from the fleet's compiled Java API (the class folder
// and the same classes packed by the JDK's jar tool), compile it with tsc together with a consumer,
// and call the real Java Dubbo 2.7 provider through the generated definitions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { root } from './lib/cache.js';
import { requireTool } from './lib/toolchain.js';
import { dubboPeer } from './dubbo/peer.js';

const cli = join(root, 'packages', 'cli', 'dist', 'main.js');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function gen(args) {
  return execFileSync(process.execPath, [cli, 'gen', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Typed use of the generated definitions: a wrong argument type is a compile error (the
// @ts-expect-error lines fail the build if the generated types were too loose).
const CONSUMER = `
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { FleetService, FleetException, type FleetServiceClient, type Order } from './java-api.js';

const mesh = createMeshlet({ application: 'codegen-consumer', protocols: [dubbo()], registry: false });
const fleet: FleetServiceClient = mesh.refer(FleetService, { url: process.argv[2]!, timeout: 20_000 });

const order: Order = {
  id: 9007199254740993n,
  customer: { name: 'Zoë', address: { city: '杭州', zip: '310000' } },
  lines: [{ sku: 'sku-1', qty: 2, price: '19.90' }],
  status: 'PAID',
  createdAt: new Date(1733318400123),
  total: '39.80',
  labels: ['gift'],
  blob: new Uint8Array([0, 1, 255]),
  parent: null,
};
// @ts-expect-error describeLong takes a Java long: a bigint, not a number
void (() => fleet.describeLong(1));
// @ts-expect-error status is the enum's constants only
void ({ ...order, status: 'LOST' } satisfies Order);

const echoed = await fleet.echoOrder(order);
let raised: unknown;
try {
  await fleet.raise('boom');
} catch (err) {
  raised = err;
}
const blob = await fleet.blob(1000);
const out = {
  echoed: { ...echoed, id: String(echoed.id), createdAt: echoed.createdAt?.getTime(), blob: echoed.blob ? [...echoed.blob] : null },
  describe: [await fleet.describeInt(7), await fleet.describeLong(7n), await fleet.describeString('7')],
  raised: { recognised: FleetException.is(raised), message: (raised as Error).message },
  blob: { length: blob?.length, sample: blob ? [blob[0], blob[1], blob[999]] : null },
};
console.log(JSON.stringify(out));
await mesh.stop(0);
`;

describe('meshlet gen → Java Dubbo 2.7 provider', { timeout: 600_000 }, () => {
  let peer;
  let provider;
  let dir;
  before(async () => {
    requireTool('java'); // the JDK, whose jar tool packs the API below
    peer = await dubboPeer('dubbo27');
    provider = await peer.provider();
    dir = mkdtempSync(join(tmpdir(), 'meshlet-codegen-fleet-'));
  });
  after(() => {
    provider?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates the same code from the class folder and from a jar of it; the code compiles and calls the provider', async () => {
    const classes = peer.classpath.split(delimiter)[0];
    const jar = join(dir, 'fleet-api.jar');
    execFileSync('jar', ['cf', jar, '-C', classes, 'com/meshlet/fleet']);
    const app = join(dir, 'app');
    gen([classes, '--include', 'com.meshlet.fleet.*', '--version', '1.0', '--out', join(dir, 'from-dir')]);
    gen([jar, '--include', 'com.meshlet.fleet.*', '--version', '1.0', '--out', app]);
    const code = readFileSync(join(app, 'java-api.ts'), 'utf8');
    assert.equal(code, readFileSync(join(dir, 'from-dir', 'java-api.ts'), 'utf8'));
    for (const s of [
      'describeInt: { name: "describe", params: [t.int32], returns: t.string },',
      'describeLong: { name: "describe", params: [t.int64], returns: t.string },',
      'describeString: { name: "describe", params: [t.string], returns: t.string },',
      'parent: t.nullable(t.int64),',
      'labels: t.set(t.string),',
      'export const FleetException = javaException("com.meshlet.fleet.FleetException");',
    ]) assert.ok(code.includes(s), `generated code lacks ${s}\n${code}`);
    assert.ok(!code.includes('"com.meshlet.fleet.FleetServiceImpl"'), 'implementation classes are not services');

    writeFileSync(join(app, 'consumer.ts'), CONSUMER);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'dist' },
      include: ['*.ts'],
    }));
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
    try {
      execFileSync(process.execPath, [tsc, '-p', app], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      assert.fail(`the generated code does not compile:\n${err.stdout}${err.stderr}`);
    }
    const out = JSON.parse(execFileSync(process.execPath, [join(app, 'dist', 'consumer.js'), `dubbo://127.0.0.1:${provider.port}`],
      { encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop());
    assert.deepEqual(out.describe, ['int:7', 'long:7', 'string:7']);
    assert.equal(out.echoed.id, '9007199254740993');
    assert.equal(out.echoed.status, 'PAID');
    assert.equal(out.echoed.customer.address.city, '杭州');
    assert.deepEqual(out.echoed.lines, [{ sku: 'sku-1', qty: 2, price: '19.90' }]);
    assert.equal(out.echoed.createdAt, 1733318400123);
    assert.deepEqual(out.echoed.blob, [0, 1, 255]);
    assert.deepEqual(out.raised, { recognised: true, message: out.raised.message });
    assert.match(out.raised.message, /boom/);
    assert.deepEqual(out.blob, { length: 1000, sample: [0, 31, (999 * 31) & 0xff] });
  });

  it('reads a real framework jar (Dubbo 2.7.23, every interface) and its output compiles', () => {
    const dubboJar = readdirSync(join(peer.classpath.split(delimiter)[0], '..', 'lib')).find((f) => /^dubbo-2\.7\.\d+\.jar$/.test(f));
    assert.ok(dubboJar, 'the Dubbo peer\'s lib folder holds dubbo-2.7.x.jar');
    const out = join(dir, 'dubbo-jar');
    gen([join(peer.classpath.split(delimiter)[0], '..', 'lib', dubboJar), '--out', out]);
    const code = readFileSync(join(out, 'java-api.ts'), 'utf8');
    // GenericService.$invoke(String, String[], Object[]) and $invokeAsync's CompletableFuture<Object>.
    assert.ok(code.includes('$invoke: { params: [t.string, t.array(t.string), t.array(t.any)], returns: t.any },'), 'GenericService.$invoke');
    assert.ok(code.includes('$invokeAsync: { params: [t.string, t.array(t.string), t.array(t.any)], returns: t.any },'), 'GenericService.$invokeAsync');
    writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUnusedLocals: true, skipLibCheck: true, types: [], noEmit: true },
      include: ['*.ts'],
    }));
    symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
    try {
      execFileSync(process.execPath, [tsc, '-p', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      assert.fail(`the code generated from ${dubboJar} does not compile:\n${String(err.stdout).slice(0, 4000)}`);
    }
  });

  it('exits 1 naming the filter when no interface matches, 2 without inputs', () => {
    assert.throws(() => gen([peer.classpath.split(delimiter)[0], '--include', 'com.nothing.*']), (e) => e.status === 1 && /com\.nothing/.test(e.stderr));
    assert.throws(() => gen([]), (e) => e.status === 2);
  });
});
