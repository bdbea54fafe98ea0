// Meshlet.generic on each transport against a Meshlet provider: the Java types pick the overload,
// longs stay exact, POJOs go as `{ class, ...fields }`, and Dubbo sends GenericService.$invoke.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { dubbo, dubboGenericCall } from '@meshlet/transport-dubbo';
import { bolt } from '@meshlet/transport-bolt';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';
import { typeOfJavaName } from '@meshlet/core';

const Point = t.object('com.acme.Point', { x: t.int64, label: t.string });
const Overloaded = defineService({
  interface: 'com.acme.Overloaded', methods: {
    describeInt: { name: 'describe', params: [t.int32], returns: t.string },
    describeLong: { name: 'describe', params: [t.int64], returns: t.string },
    describeString: { name: 'describe', params: [t.string], returns: t.string },
    sum: { params: [t.array(t.int64)], returns: t.int64 },
  },
});
const Points = defineService({
  interface: 'com.acme.Points', methods: { move: { params: [Point, t.int64], returns: Point } },
});

const seen = [];
const record = (next) => (inv) => {
  seen.push({ method: inv.method.name, types: inv.method.paramTypes, generic: inv.attachments.generic });
  return next(inv);
};
const runtimes = [];
const addresses = {};
const protocols = { dubbo, bolt, motan2, rsocket };
before(async () => {
  for (const [name, make] of Object.entries(protocols)) {
    const mesh = createRuntime({ protocols: [make()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [record] });
    mesh.provide(Overloaded, {
      describeInt: (n) => `int ${n}`, describeLong: (n) => `long ${n}`, describeString: (s) => `string ${s}`,
      sum: (xs) => xs.reduce((a, b) => a + b, 0n),
    });
    if (name !== 'motan2') mesh.provide(Points, { move: (p, dx) => ({ ...p, x: p.x + dx }) });
    await mesh.start();
    runtimes.push(mesh);
    addresses[name] = `127.0.0.1:${mesh.address().port}`;
  }
  const caller = createRuntime({ protocols: Object.values(protocols).map((m) => m()) });
  runtimes.push(caller);
  globalThis.caller = caller;
});
after(() => Promise.all(runtimes.map((m) => m.stop(0))));

const BIG = 2n ** 62n + 1n;
for (const name of Object.keys(protocols)) {
  test(`${name}: the Java types choose the overload; long[] and int64 stay exact`, async () => {
    const g = globalThis.caller.generic({ interface: 'com.acme.Overloaded', protocol: name, url: addresses[name] });
    seen.length = 0;
    if (name !== 'rsocket') { // RSocket routes by method name: one method per name
      assert.equal(await g.$invoke('describe', ['int'], [7]), 'int 7');
      assert.equal(await g.$invoke('describe', ['long'], [7]), 'long 7');
      assert.equal(await g.$invoke('describe', ['java.lang.String'], ['7']), 'string 7');
      assert.deepEqual(seen.map((s) => s.types.join()), ['int', 'long', 'java.lang.String']);
      assert.deepEqual(seen.map((s) => s.generic), name === 'dubbo' ? ['true', 'true', 'true'] : [undefined, undefined, undefined]);
    }
    const sum = await g.$invoke('sum', ['long[]'], [[BIG, 1n]]);
    assert.equal(BigInt(sum), BIG + 1n); // RSocket's JSON returns an untyped long as its decimal string
    await assert.rejects(g.$invoke('describe', ['double'], [1.5]), (e) => RpcError.is(e) && ['METHOD_NOT_FOUND', 'BAD_REQUEST'].includes(e.code));
  });
}

for (const name of ['dubbo', 'bolt', 'rsocket']) {
  test(`${name}: a POJO argument as { class, ...fields } and the POJO result back`, async () => {
    const g = globalThis.caller.generic({ interface: 'com.acme.Points', protocol: name, url: addresses[name] });
    const moved = await g.$invoke('move', ['com.acme.Point', 'long'], [{ class: 'com.acme.Point', x: BIG, label: 'p' }, 2]);
    assert.equal(BigInt(moved.x), BIG + 2n);
    assert.equal(moved.label, 'p');
    if (name !== 'rsocket') assert.equal(moved.class, 'com.acme.Point');
  });
}

test('dubbo: the wire form is GenericService.$invoke(String, String[], Object[]) with generic=true', () => {
  const params = [typeOfJavaName('long'), typeOfJavaName('com.acme.Point', { class: 'com.acme.Point', x: 1 })];
  const wire = dubboGenericCall({ method: 'move', paramTypes: ['long', 'com.acme.Point'], params, args: [5, { class: 'com.acme.Point', x: 1 }] });
  assert.equal(wire.method.name, '$invoke');
  assert.deepEqual(wire.method.params.map((p) => p.javaType), ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;']);
  assert.deepEqual(wire.args, ['move', ['long', 'com.acme.Point'], [5n, { class: 'com.acme.Point', x: 1 }]]);
  assert.deepEqual(wire.attachments, { generic: 'true' });
});
