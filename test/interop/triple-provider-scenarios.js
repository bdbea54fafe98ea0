// What every connect-style npm client (connect-es and dubbo-js over gRPC, createPromiseClient on
// EsEcho) must get from a Meshlet Triple provider serving triple-echo-fixture.js's echoHandlers: one
// table of scenarios, registered inside each client's describe, held to the same exact values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DETAIL, FAIL_MESSAGE, MiB16, until } from './triple-echo-fixture.js';

const rejection = (p) => p.then(() => assert.fail('resolved'), (e) => e);

/**
 * @param peer {{ name: string, ErrorClass: Function, Code: object }} the client's name (sent as
 *   Hello's name), its error class and code enum (ConnectError/Code, DubboError/Code)
 * @param state {() => { client, seen: object }} read when each test runs (after before())
 */
export function meshletProviderScenarios(peer, state) {
  const { Code } = peer;

  test('unary, with the deadline carried as grpc-timeout', async () => {
    const { client, seen } = state();
    const rep = await client.hello({ name: peer.name }, { timeoutMs: 4000 });
    assert.deepEqual({ text: rep.text, index: rep.index }, { text: `Hello ${peer.name}`, index: 0 });
    assert.ok(seen.deadlineLeft > 3000 && seen.deadlineLeft <= 4000, `provider saw ${seen.deadlineLeft} ms`);
  });

  test('server streaming', async () => {
    const got = [];
    for await (const rep of state().client.count({ name: 's', count: 1000 })) got.push(rep.index);
    assert.equal(got.length, 1000);
    assert.equal(got[999], 999);
  });

  test('error: status, percent-decoded message and google.rpc.Status details', async () => {
    const err = await rejection(state().client.fail({ name: 'x' }));
    assert.ok(err instanceof peer.ErrorClass);
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.rawMessage, FAIL_MESSAGE);
    assert.equal(err.details.length, 1);
    assert.equal(err.details[0].type, 'google.rpc.ErrorInfo');
    assert.ok(Buffer.from(err.details[0].value).equals(DETAIL.value));
  });

  test('deadline exceeded on a unary call', async () => {
    const err = await rejection(state().client.slow({}, { timeoutMs: 150 }));
    assert.equal(err.code, Code.DeadlineExceeded);
  });

  test('deadline exceeded mid-stream stops the producer', async () => {
    const { client, seen } = state();
    seen.slowStreamStopped = false;
    let items = 0;
    const err = await rejection((async () => {
      for await (const _ of client.slowStream({}, { timeoutMs: 300 })) items++;
    })());
    assert.equal(err.code, Code.DeadlineExceeded);
    assert.ok(items > 0, 'items before the deadline');
    assert.ok(await until(seen, 'slowStreamStopped'), 'producer stopped');
  });

  test('cancellation (AbortSignal → RST_STREAM CANCEL) stops the producer', async () => {
    const { client, seen } = state();
    seen.slowStreamStopped = false;
    const abort = new AbortController();
    const err = await rejection((async () => {
      for await (const _ of client.slowStream({}, { signal: abort.signal })) abort.abort();
    })());
    assert.equal(err.code, Code.Canceled);
    assert.ok(await until(seen, 'slowStreamStopped'), 'producer stopped');
  });

  test('a 16 MiB message each way', async () => {
    const rep = await state().client.big({ size: MiB16, name: 'x'.repeat(MiB16 - 16) });
    assert.equal(rep.text.length, MiB16);
    assert.equal(rep.text, 'b'.repeat(MiB16));
  });

  test('client streaming', async () => {
    async function* reqs() {
      for (let i = 1; i <= 100; i++) yield { count: i };
    }
    const rep = await state().client.sum(reqs());
    assert.deepEqual({ text: rep.text, index: rep.index }, { text: 'sum', index: 5050 });
  });

  test('bidi streaming', async () => {
    async function* reqs() {
      for (const w of ['ping', 'pong', 'done']) yield { name: w, count: 1 };
    }
    const got = [];
    for await (const r of state().client.chat(reqs())) got.push(r.text);
    assert.deepEqual(got, ['PING', 'PONG', 'DONE']);
  });

  test('128 calls in flight on one connection, each answered with its own value', async () => {
    const reps = await Promise.all(Array.from({ length: 128 }, (_, i) => state().client.hello({ name: `n${i}` }, { timeoutMs: 20_000 })));
    reps.forEach((r, i) => assert.equal(r.text, `Hello n${i}`));
  });
}
