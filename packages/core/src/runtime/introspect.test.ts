import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import { createInvocation } from '../invocation.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { CallTap, matchesService, type CallRecord } from './introspect.js';

const Echo = defineService({ interface: 'demo.Echo', version: '1.0', group: 'g', methods: { echo: { params: [t.string], returns: t.string } } });
const inv = () => createInvocation(Echo, Echo.methods.get('echo')!, ['x']);

test('an operator names a service by interface, full key or regular expression; a bad expression is BAD_REQUEST', () => {
  const key = { interface: 'com.acme.Echo', version: '1.0', group: 'g' };
  assert.ok(matchesService(key, undefined));
  assert.ok(matchesService(key, ''));
  assert.ok(matchesService(key, 'com.acme.Echo'));
  assert.ok(matchesService(key, 'g/com.acme.Echo:1.0'));
  assert.ok(matchesService(key, 'com\\.acme\\..*'));
  assert.ok(!matchesService(key, 'com.acme'), 'a prefix is not a match: the expression is anchored');
  assert.ok(!matchesService(key, 'com.acme.Echo2'));
  assert.throws(() => matchesService(key, 'com.('), (e: unknown) => RpcError.is(e, Code.BadRequest));
});

test('the call tap reports each call with its code and duration, counts in-flight, and survives a throwing listener', async () => {
  const tap = new CallTap();
  const records: CallRecord[] = [];
  let release!: () => void;
  const slow = tap.interceptor('client')(() => new Promise((r) => { release = () => r('ok'); }));
  const failing = tap.interceptor('server')(() => Promise.reject(new RpcError(Code.Timeout, 'late')));
  // Without a listener: straight through, nothing counted.
  const p0 = slow(inv());
  assert.equal(tap.inFlight.client, 0);
  release();
  assert.equal(await p0, 'ok');

  const stop = tap.listen((r) => records.push(r));
  tap.listen(() => { throw new Error('a broken listener'); });
  const p = slow(inv());
  assert.equal(tap.inFlight.client, 1);
  release();
  assert.equal(await p, 'ok');
  assert.equal(tap.inFlight.client, 0);
  await assert.rejects(failing(inv()), (e: unknown) => RpcError.is(e, Code.Timeout));
  assert.equal(tap.inFlight.server, 0);
  assert.deepEqual(records.map((r) => [r.side, r.service, r.method, r.code]), [
    ['client', 'g/demo.Echo:1.0', 'echo', 'OK'],
    ['server', 'g/demo.Echo:1.0', 'echo', 'TIMEOUT'],
  ]);
  assert.ok(records.every((r) => r.durationMs >= 0));
  stop();
  const p2 = slow(inv());
  release();
  await p2;
  assert.equal(records.length, 2, 'an unsubscribed listener hears nothing more');
});
