import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { Invocation } from '../invocation.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { createRuntime } from './meshlet.js';
import { RetryBudget } from './retry-budget.js';

/**
 * An in-process protocol whose endpoints behave as each test scripts them: this tests the
 * cluster logic alone (real transports have their own suites).
 */
function scripted(behaviour: Record<number, (inv: Invocation) => Promise<unknown>>) {
  const calls: number[] = [];
  const protocol: Protocol = {
    name: 'fake',
    defaultPort: 1,
    createClient(ep: Endpoint): ProtocolClient {
      return {
        endpoint: ep,
        available: true,
        invoke: (inv) => { calls.push(ep.port); return behaviour[ep.port]!(inv); },
        close: async () => {},
      };
    },
    createServer: () => { throw new Error('not used'); },
    toUrl: () => '',
    fromUrl: () => undefined,
  };
  return { protocol, calls };
}

const Svc = defineService({
  interface: 'com.example.Svc',
  methods: {
    read: { params: [], returns: t.string, idempotent: true },
    write: { params: [], returns: t.string },
  },
});
const urls = ['fake://127.0.0.1:1', 'fake://127.0.0.1:2', 'fake://127.0.0.1:3'];
const down = () => Promise.reject(new RpcError(Code.Unavailable, 'refused'));
const dropped = () => Promise.reject(new RpcError(Code.ConnectionClosed, 'closed mid-call'));
const ok = (port: number) => () => Promise.resolve(`ok ${port}`);

test('failover: a never-sent failure moves to another endpoint, for any method', async () => {
  const { protocol, calls } = scripted({ 1: down, 2: ok(2), 3: ok(3) });
  const mesh = createRuntime({ protocols: [protocol] });
  const svc = mesh.refer(Svc, { url: urls });
  for (let i = 0; i < 6; i++) assert.match(await svc.write(), /^ok [23]$/);
  assert.ok(calls.includes(1), 'the dead endpoint was tried');
  await mesh.stop(0);
});

test('failover: a failure after sending is retried only for idempotent methods', async () => {
  const { protocol, calls } = scripted({ 1: dropped, 2: dropped, 3: dropped });
  const mesh = createRuntime({ protocols: [protocol] });
  const svc = mesh.refer(Svc, { url: urls });
  await assert.rejects(svc.write(), (e: unknown) => RpcError.is(e, Code.ConnectionClosed));
  assert.equal(calls.length, 1, 'a non-idempotent call is never sent twice');
  calls.length = 0;
  await assert.rejects(svc.read(), (e: unknown) => RpcError.is(e, Code.ConnectionClosed));
  assert.equal(calls.length, 3, 'idempotent: first try + 2 retries');
  assert.equal(new Set(calls).size, 3, 'each retry goes to an endpoint not tried yet');
  await mesh.stop(0);
});

test('business errors and timeouts are never retried', async () => {
  const { protocol, calls } = scripted({
    1: () => Promise.reject(new RpcError(Code.Business, 'no')),
    2: () => Promise.reject(new RpcError(Code.Business, 'no')),
    3: () => Promise.reject(new RpcError(Code.Business, 'no')),
  });
  const mesh = createRuntime({ protocols: [protocol] });
  await assert.rejects(mesh.refer(Svc, { url: urls }).read(), (e: unknown) => RpcError.is(e, Code.Business));
  assert.equal(calls.length, 1);
  await mesh.stop(0);
});

test('the retry budget caps a retry storm', async () => {
  const { protocol, calls } = scripted({ 1: down, 2: down, 3: down });
  const mesh = createRuntime({ protocols: [protocol], retryBudget: { ratio: 0.1, minPerSecond: 0, max: 5 } });
  const svc = mesh.refer(Svc, { url: urls });
  const n = 200;
  for (let i = 0; i < n; i++) await assert.rejects(svc.read());
  // Without a budget: 3 attempts per call (600). With it: each call earns 0.1 retry.
  assert.ok(calls.length <= n + n * 0.1 + 10, `attempts: ${calls.length}`);
  assert.ok(calls.length > n, 'some retries were allowed');
  await mesh.stop(0);
});

test('failfast makes one attempt; failsafe swallows the failure; forking takes the first success', async () => {
  const { protocol, calls } = scripted({ 1: down, 2: () => new Promise((r) => setTimeout(() => r('slow'), 50)), 3: ok(3) });
  const mesh = createRuntime({ protocols: [protocol] });
  const fast = mesh.refer(Svc, { url: ['fake://127.0.0.1:1'], cluster: 'failfast' });
  await assert.rejects(fast.read(), (e: unknown) => RpcError.is(e, Code.Unavailable));
  assert.equal(calls.length, 1);
  assert.equal(await mesh.refer(Svc, { url: ['fake://127.0.0.1:1'], cluster: 'failsafe' }).read(), undefined);
  const forked = mesh.refer(Svc, { url: ['fake://127.0.0.1:2', 'fake://127.0.0.1:3'], cluster: 'forking' });
  assert.equal(await forked.read(), 'ok 3');
  await assert.rejects(forked.write(), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  await mesh.stop(0);
});

test('RetryBudget: deposits and the time allowance', () => {
  const b = new RetryBudget({ ratio: 0.5, minPerSecond: 1, max: 3 });
  const t0 = Date.now();
  assert.equal(b.tryWithdraw(t0), true); // the initial allowance
  assert.equal(b.tryWithdraw(t0), false);
  b.deposit(); b.deposit();
  assert.equal(b.tryWithdraw(t0), true);
  assert.equal(b.tryWithdraw(t0 + 1000), true, 'one per second accrues');
});

test('a dead endpoint (refused or reset) is ejected for every reference at once, and its calls move on without drawing on the retry budget', async () => {
  const { protocol, calls } = scripted({ 1: down, 2: ok(2), 3: ok(3) });
  // No budget at all: only retries that cost nothing may happen.
  const mesh = createRuntime({ protocols: [protocol], retryBudget: { ratio: 0, minPerSecond: 0, max: 0 } });
  const a = mesh.refer(Svc, { url: urls });
  const b = mesh.refer(Svc, { url: urls });
  assert.match(await a.write(), /^ok [23]$/);
  assert.match(await a.read(), /^ok [23]$/);
  const first = calls.filter((p) => p === 1).length;
  assert.equal(first, 1, 'the refused endpoint was tried once');
  // The other reference shares the address's client: it never picks the ejected endpoint.
  for (let i = 0; i < 20; i++) assert.match(await (i % 2 ? a : b).write(), /^ok [23]$/);
  assert.equal(calls.filter((p) => p === 1).length, first, 'ejected: not picked by either reference');
  await mesh.stop(0);
});

test('a failure from a live provider (SERVER_BUSY, a status in the response) still draws on the budget', async () => {
  const busy = () => Promise.reject(new RpcError(Code.ServerBusy, 'busy'));
  const unavailableReply = () => Promise.reject(new RpcError(Code.Unavailable, 'no processor', { status: 2 }));
  const { protocol, calls } = scripted({ 1: busy, 2: unavailableReply, 3: ok(3) });
  const mesh = createRuntime({ protocols: [protocol], retryBudget: { ratio: 0, minPerSecond: 0, max: 0 } });
  const svc = mesh.refer(Svc, { url: ['fake://127.0.0.1:1', 'fake://127.0.0.1:2'], cluster: 'failover' });
  for (let i = 0; i < 4; i++) await assert.rejects(svc.write(), (e: unknown) => RpcError.is(e, Code.ServerBusy) || RpcError.is(e, Code.Unavailable));
  assert.equal(calls.length, 4, 'no retry: the budget is empty and both peers answered');
  assert.deepEqual([...new Set(calls)].sort(), [1, 2], 'neither was ejected');
  await mesh.stop(0);
});

test('"no such service/method" from one provider (a stopping Java Dubbo provider between unexport and read-only): resent elsewhere, free; not to the same one again', async () => {
  const notFound = () => Promise.reject(new RpcError(Code.ServiceNotFound, 'Not found exported service', { status: 70 }));
  const noMethod = () => Promise.reject(new RpcError(Code.MethodNotFound, 'no method', { status: 40 }));
  const { protocol, calls } = scripted({ 1: notFound, 2: ok(2), 3: noMethod });
  // No budget at all: only retries that cost nothing may happen.
  const mesh = createRuntime({ protocols: [protocol], retryBudget: { ratio: 0, minPerSecond: 0, max: 0 } });
  const svc = mesh.refer(Svc, { url: ['fake://127.0.0.1:1', 'fake://127.0.0.1:2'] });
  for (let i = 0; i < 40; i++) assert.equal(await svc.write(), 'ok 2');
  assert.ok(calls.includes(1), 'the provider without the service was tried');
  calls.length = 0;
  await assert.rejects(mesh.refer(Svc, { url: ['fake://127.0.0.1:1'] }).write(), (e: unknown) => RpcError.is(e, Code.ServiceNotFound));
  assert.deepEqual(calls, [1], 'alone, it is not asked again');
  calls.length = 0;
  await assert.rejects(mesh.refer(Svc, { url: ['fake://127.0.0.1:1', 'fake://127.0.0.1:3'] }).write(), (e: unknown) => RpcError.is(e, Code.ServiceNotFound) || RpcError.is(e, Code.MethodNotFound));
  assert.deepEqual([...calls].sort(), [1, 3], 'each asked once');
  await mesh.stop(0);
});
