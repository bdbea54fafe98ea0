// `meshlet invoke` and `meshlet describe` as a user runs them: a child process calls Meshlet
// providers of each protocol (started here, on loopback) with no code, and prints JSON.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalRegistry } from '@meshlet/registry';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, RpcError, Code, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';

const main = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const meshlet = (...args) => new Promise((resolve) => {
  execFile(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 }, (error, out, err) => {
    resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
  });
});

const Address = t.object('com.acme.Address', { city: t.string, zip: t.int32 });
const User = t.object('com.acme.User', { id: t.int64, name: t.string, address: Address, tags: t.list(t.string) });
const methods = {
  echo: { params: [t.string], returns: t.string },
  addLong: { params: [t.int64, t.int64], returns: t.int64 },
  fail: { params: [t.string], returns: t.string },
};
const impl = {
  echo: (s) => `echo:${s}`,
  addLong: (a, b) => BigInt.asIntN(64, a + b),
  fail: (s) => { throw new RpcError(Code.Business, `refused ${s}`, { remoteClass: 'java.lang.IllegalStateException' }); },
  renameUser: (u, name) => ({ ...u, name, id: u.id + 1n }),
};
// Hessian protocols carry POJOs; motan2's simple serialization has no classes.
const withPojo = { ...methods, renameUser: { params: [User, t.string], returns: User } };
const protocols = [
  { name: 'dubbo', make: dubbo, methods: withPojo },
  { name: 'bolt', make: bolt, methods: withPojo },
  { name: 'motan2', make: motan2, methods },
  { name: 'rsocket', make: rsocket, methods: withPojo },
];

const BIG = '9007199254740993'; // 2^53 + 1: a float would print ...992
const providers = [];
const urls = {};
before(async () => {
  for (const p of protocols) {
    const mesh = createRuntime({ protocols: [p.make()], server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(defineService({ interface: 'com.acme.Echo', version: '1.0', methods: p.methods }), impl);
    await mesh.start();
    providers.push(mesh);
    urls[p.name] = `${p.name}://127.0.0.1:${mesh.address().port}/com.acme.Echo?version=1.0`;
  }
});
after(() => Promise.all(providers.map((m) => m.stop(0))));

for (const p of protocols) {
  test(`${p.name}: invoke a string method, an exact long, and a failing method`, async () => {
    const echo = await meshlet('invoke', urls[p.name], 'echo', '["hi"]', '--types', 'java.lang.String');
    assert.equal(echo.code, 0, echo.err);
    assert.equal(JSON.parse(echo.out), 'echo:hi');
    const add = await meshlet('invoke', urls[p.name], 'addLong', `[${BIG}, 1]`, '--types', 'long,long', '--compact');
    assert.equal(add.code, 0, add.err);
    assert.equal(add.out.trim(), p.name === 'rsocket' ? '"9007199254740994"' : '9007199254740994');
    const fail = await meshlet('invoke', urls[p.name], 'fail', '["x"]', '--types', 'java.lang.String');
    assert.equal(fail.code, 1);
    assert.equal(fail.out, '');
    assert.match(fail.err, /^BUSINESS: .*refused x/m);
  });
}

for (const p of protocols.filter((x) => x.methods === withPojo)) {
  test(`${p.name}: invoke with a nested POJO argument and result`, async () => {
    const user = { class: 'com.acme.User', id: 'BIG', name: 'ann', address: { class: 'com.acme.Address', city: 'Oslo', zip: 150 }, tags: ['a'] };
    const json = JSON.stringify([user, 'bob']).replace('"BIG"', BIG); // a number literal, as a user types it
    const r = await meshlet('invoke', urls[p.name], 'renameUser', json, '--types', 'com.acme.User,java.lang.String');
    assert.equal(r.code, 0, r.err);
    // RSocket's JSON payloads carry longs as strings (exact); the others as numbers with every digit.
    assert.match(r.out, p.name === 'rsocket' ? /"id": "9007199254740994"/ : /"id": 9007199254740994\b/);
    const got = JSON.parse(r.out);
    assert.equal(got.name, 'bob');
    assert.equal(got.address.city, 'Oslo');
    assert.equal(got.address.zip, 150);
    assert.deepEqual(got.tags, ['a']);
    if (p.name !== 'rsocket') assert.equal(got.class, 'com.acme.User'); // JSON payloads name no classes
  });
}

test('dubbo: without --types, the provider\'s description gives them (and a note says so)', async () => {
  const r = await meshlet('invoke', urls.dubbo, 'addLong', '[1, 2]');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), 3);
  assert.match(r.err, /addLong\(long, long\) from the provider's description/);
});

test('describe: a Meshlet Dubbo provider lists its methods with Java types', async () => {
  const r = await meshlet('describe', urls.dubbo);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /addLong\(long, long\) -> long/);
  assert.match(r.out, /renameUser\(com\.acme\.User, java\.lang\.String\) -> com\.acme\.User/);
});

test('invoke: bad input is a usage error (exit 2) or a typed failure (exit 1), never a crash', async () => {
  for (const argv of [['invoke'], ['invoke', urls.dubbo], ['invoke', urls.dubbo, 'echo', '[oops'], ['invoke', 'com.acme.Echo', 'echo', '[]'],
    ['invoke', urls.dubbo, 'echo', '["a"]', '--types', 'long,long'], ['invoke', urls.dubbo, 'echo', '[]', '--timeout', '-1'],
    ['invoke', 'ftp://127.0.0.1:1/x', 'echo', '[]'], ['invoke', urls.dubbo, 'echo', '[]', '--protocol', 'grpc']]) {
    const r = await meshlet(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
  }
  const noMethod = await meshlet('invoke', urls.dubbo, 'nope', '["a"]', '--types', 'java.lang.String');
  assert.equal(noMethod.code, 1);
  assert.match(noMethod.err, /^METHOD_NOT_FOUND: /m);
  const badType = await meshlet('invoke', urls.bolt, 'echo', '["a"]', '--types', 'java lang');
  assert.equal(badType.code, 1);
  assert.match(badType.err, /^INVALID_ARGUMENT: not a Java type name/m);
  const closed = await meshlet('invoke', 'dubbo://127.0.0.1:1/com.acme.Echo', 'echo', '["a"]', '--types', 'java.lang.String', '--timeout', '1000');
  assert.equal(closed.code, 1);
  assert.match(closed.err, /^[A-Z_]+: /m);
});

test('by interface name through a registry, on --protocol; flags before the JSON argument', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshlet-cli-invoke-'));
  const mesh = createRuntime({ protocols: [bolt(), dubbo()], registry: new LocalRegistry({ dir }), server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(defineService({ interface: 'com.acme.Registered', version: '2.0', protocol: ['bolt', 'dubbo'], methods: { echo: { params: [t.string], returns: t.string } } }), { echo: (s) => `reg:${s}` });
  await mesh.start();
  try {
    const r = await meshlet('invoke', 'com.acme.Registered', 'echo', '--compact', '["x"]', '--registry', `local://${dir}`, '--protocol', 'bolt', '--version', '2.0');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '"reg:x"\n');
    assert.match(r.err, /guessing the Java types from the JSON values/);
    // The Dubbo provider the registry lists answers MetadataService: full signatures.
    const d = await meshlet('describe', 'com.acme.Registered', '--json', '--registry', `local://${dir}`, '--version', '2.0');
    assert.equal(d.code, 0, d.err);
    assert.deepEqual(JSON.parse(d.out), {
      interface: 'com.acme.Registered', source: 'metadata-service',
      methods: [{ name: 'echo', parameterTypes: ['java.lang.String'], returnType: 'java.lang.String' }],
    });
    // Bolt has no describe convention, and this registry's entries list no methods: said, exit 1.
    const bolted = await meshlet('describe', 'com.acme.Registered', '--registry', `local://${dir}`, '--protocol', 'bolt', '--version', '2.0');
    assert.equal(bolted.code, 1);
    assert.match(bolted.err, /^UNAVAILABLE: no description of com\.acme\.Registered/);
    const none = await meshlet('invoke', 'com.acme.Registered', 'echo', '["x"]', '--registry', `local://${dir}`, '--protocol', 'bolt', '--version', '9.9', '--timeout', '1500');
    assert.equal(none.code, 1);
    assert.match(none.err, /^(UNAVAILABLE|TIMEOUT): /m);
  } finally {
    await mesh.stop(0);
  }
});
