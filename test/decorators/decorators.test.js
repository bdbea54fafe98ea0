// The same decorated classes, compiled under both TypeScript decorator modes, export and import
// real services over Dubbo on loopback.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createRuntime, definitionOfClass } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';

for (const mode of ['standard', 'legacy']) {
  const url = new URL(`./dist/${mode}/fixture.js`, import.meta.url);

  test(`${mode} decorators: the compiled output really is ${mode}`, () => {
    const js = readFileSync(url, 'utf8');
    // tsc emits __esDecorate for TC39 decorators and __decorate for experimentalDecorators.
    assert.ok(js.includes(mode === 'standard' ? '__esDecorate' : '__decorate('), `${mode} helper in output`);
  });

  test(`${mode} decorators: definitions, inheritance, and a real call`, async () => {
    const { Calculator, LoudCalculator, SciCalculator } = await import(url.href);
    const calc = definitionOfClass(Calculator);
    assert.equal(calc.interface, 'com.meshlet.test.Calculator');
    assert.deepEqual([...calc.methods.keys()].sort(), ['add', 'twice']);
    assert.equal(calc.methods.get('add').paramDescriptor, 'II');
    assert.equal(definitionOfClass(LoudCalculator), calc);
    const sci = definitionOfClass(SciCalculator);
    assert.deepEqual([...sci.methods.keys()].sort(), ['add', 'sqrt', 'twice']);
    assert.deepEqual([...definitionOfClass(Calculator).methods.keys()].sort(), ['add', 'twice'], 'parent unchanged');

    const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
    server.provide(new LoudCalculator());
    server.provide(new SciCalculator());
    await server.start();
    const client = createRuntime({ protocols: [dubbo()] });
    try {
      const target = `127.0.0.1:${server.address().port}`;
      const remote = client.refer(Calculator, { url: target });
      assert.equal(await remote.add(2, 3), 50);
      assert.equal(await remote.twice(2n ** 61n + 1n), 2n ** 62n + 2n);
      // 2^63 does not fit a Java long: the provider refuses to send it rather than truncate it.
      await assert.rejects(remote.twice(2n ** 62n), (e) => e.code === 'BAD_RESPONSE' && e.status === 50);
      assert.equal(remote.helper, undefined, 'undecorated methods are not remote');
      assert.equal(await client.refer(SciCalculator, { url: target }).sqrt(16), 4);
    } finally {
      await client.stop(0);
      await server.stop(0);
    }
  });
}
