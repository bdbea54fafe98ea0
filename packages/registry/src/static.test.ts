import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, endpoint, RpcError } from '@meshlet/core';
import { Recorder } from './fixtures/helpers.js';
import { StaticRegistry } from './index.js';

describe('static registry', () => {
  test('every service gets the fixed list, once, before subscribe resolves', async () => {
    const r = new StaticRegistry(['dubbo://10.0.0.2:20880', 'dubbo://10.0.0.1:20880?weight=50', endpoint('bolt', '10.0.0.3', 12200)]);
    const a = new Recorder();
    const b = new Recorder();
    await r.subscribe({ interface: 'demo.A' }, a.listener);
    await r.subscribe({ interface: 'demo.B', version: '2', group: 'g' }, b.listener);
    const all = ['bolt://10.0.0.3:12200', 'dubbo://10.0.0.1:20880', 'dubbo://10.0.0.2:20880'];
    assert.deepEqual(a.addresses(), [all]);
    assert.deepEqual(b.addresses(), [all]);
    assert.equal(a.sets[0]?.[1]?.weight, 50);
    await r.close();
  });

  test('the protocol option names bare entries and filters the rest', async () => {
    const r = new StaticRegistry(['10.0.0.1:20880', '[::1]:20881', 'bolt://10.0.0.3:12200'], { protocol: 'dubbo' });
    const rec = new Recorder();
    await r.subscribe({ interface: 'demo.A' }, rec.listener);
    assert.deepEqual(rec.last, ['dubbo://10.0.0.1:20880', 'dubbo://[::1]:20881']);
    assert.equal(r.endpoints[1]?.host, '::1');
    await r.close();
  });

  test('bare entries without a protocol and bad addresses are INVALID_ARGUMENT', () => {
    assert.throws(() => new StaticRegistry(['10.0.0.1:20880']), (e) => RpcError.is(e, Code.InvalidArgument) && /names no protocol/.test(e.message));
    assert.throws(() => new StaticRegistry(['dubbo://10.0.0.1']), (e) => RpcError.is(e, Code.InvalidArgument));
    assert.throws(() => new StaticRegistry(['dubbo://10.0.0.1:99999']), (e) => RpcError.is(e, Code.InvalidArgument));
  });

  test('register and unregister are no-ops that resolve; duplicates collapse; unsubscribe works', async () => {
    const r = new StaticRegistry(['dubbo://10.0.0.1:1', 'dubbo://10.0.0.1:1']);
    assert.equal(r.endpoints.length, 1);
    const registration = { service: { interface: 'demo.A' }, endpoint: endpoint('dubbo', '10.0.0.9', 9), methods: [] };
    await r.register(registration);
    await r.unregister(registration);
    const rec = new Recorder();
    const stop = await r.subscribe({ interface: 'demo.A' }, rec.listener);
    stop();
    assert.deepEqual(rec.addresses(), [['dubbo://10.0.0.1:1']]);
    await r.close();
    await assert.rejects(r.subscribe({ interface: 'demo.A' }, () => {}), (e) => RpcError.is(e, Code.Shutdown));
  });
});
