// `meshlet gen` from .proto: generate for Bolt and for RSocket, compile the output with tsc together
// with a typed app, and round-trip calls over loopback through the generated definitions (unary on
// both, server streaming on RSocket; Bolt has no stream mapping and leaves that rpc out).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'packages', 'cli', 'dist', 'main.js');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const PROTO = `syntax = "proto3";
package demo.shop;
option java_package = "com.demo.shop";

enum Kind { SMALL = 0; LARGE = 1; }
message Order {
  message Line { string sku = 1; bytes raw = 2; }
  int64 id = 1;
  repeated Line lines = 2;
  map<string, int32> counts = 3;
  Kind kind = 4;
  double score = 5;
}
message Ask { int32 n = 1; }
service OrderService {
  rpc Echo (Order) returns (Order);
  rpc Count (Ask) returns (stream Order);
}
`;

// Typed use: a wrong field type must not compile (the @ts-expect-error lines fail the build otherwise).
const app = (transport) => `
import { createMeshlet } from 'meshlet-rpc';
import { ${transport} } from '@meshlet/transport-${transport}';
import { OrderService, type Order, type OrderServiceImpl } from './shop.js';

const impl: OrderServiceImpl = {
  Echo: (o) => ({ ...o, score: (o.score ?? 0) * 2 }),
  ${transport === 'rsocket' ? 'Count: async function* (ask) { for (let i = 0; i < (ask.n ?? 0); i++) yield { id: BigInt(i) }; },' : ''}
};
// @ts-expect-error kind is the enum's constant names
void ({ kind: 'HUGE' } satisfies Order);
const server = createMeshlet({ protocols: [${transport}()], server: { host: '127.0.0.1', port: 0 } }).provide(OrderService, impl);
await server.start();
const client = createMeshlet({ protocols: [${transport}()] });
const shop = client.refer(OrderService, { url: '127.0.0.1:' + server.address()!.port, timeout: 5000 });
const got = await shop.Echo({ id: ${transport === 'bolt' ? "'9007199254740993'" : '9007199254740993n'}, lines: [{ sku: 'a', raw: new Uint8Array([0, 255]) }], counts: { x: 2 }, kind: 'LARGE', score: 1.5 });
const out: Record<string, unknown> = {
  id: String(got.id), sku: got.lines?.[0]?.sku, raw: [...(got.lines?.[0]?.raw ?? [])], counts: got.counts, kind: got.kind, score: got.score,
};
${transport === 'rsocket' ? 'const ids: string[] = []; for await (const o of shop.Count({ n: 3 })) ids.push(String(o.id)); out.stream = ids;' : ''}
console.log(JSON.stringify(out));
await client.stop(0);
await server.stop(0);
`;

describe('meshlet gen from .proto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-codegen-proto-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'shop.proto'), PROTO);

  for (const transport of ['bolt', 'rsocket']) {
    it(`${transport}: the generated definitions compile with a typed app and carry calls`, () => {
      const out = join(dir, transport);
      const r = execFileSync(process.execPath, [cli, 'gen', join(dir, 'shop.proto'), '--transport', transport, '--version', '1.0', '--out', out],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(r, '');
      writeFileSync(join(out, 'app.ts'), app(transport));
      writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'dist' },
        include: ['*.ts'],
      }));
      symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
      try {
        execFileSync(process.execPath, [tsc, '-p', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        assert.fail(`the generated code does not compile:\n${err.stdout}${err.stderr}`);
      }
      const got = JSON.parse(execFileSync(process.execPath, [join(out, 'dist', 'app.js')], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n').pop());
      assert.deepEqual(got, {
        id: '9007199254740993', sku: 'a', raw: [0, 255], counts: { x: 2 }, kind: 'LARGE', score: 3,
        ...(transport === 'rsocket' ? { stream: ['0', '1', '2'] } : {}),
      });
    });
  }

  it('bolt leaves the streaming rpc out with a warning; a broken .proto is a typed error, exit 1', () => {
    const warn = execFileSync(process.execPath, [cli, 'gen', join(dir, 'shop.proto')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(warn, /"Echo": \{ params: \[Order\], returns: Order \}/);
    assert.doesNotMatch(warn, /"Count": \{/);
    writeFileSync(join(dir, 'bad.proto'), 'syntax = "proto3"; message { nope');
    assert.throws(() => execFileSync(process.execPath, [cli, 'gen', join(dir, 'bad.proto')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
      (e) => e.status === 1 && /INVALID_ARGUMENT: cannot load/.test(e.stderr));
  });
});
