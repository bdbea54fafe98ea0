// What a Meshlet Triple consumer must get from every peer's Echo server (grpc-js, connect-es, dubbo-js):
// one table of scenarios, registered inside each peer's describe, so each peer is held to the same
// exact values. Each peer's server answers Hello with `Hello <name> from <peer>` (index 1 when the
// x-tenant attachment arrived), Big with 'g' × size, and Fail with FAILED_PRECONDITION 'not ready: ü'
// plus one detail; it records seen.timeout (deadline it read) and seen.stopped (stream cancelled).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { GrpcStatus, statusDetailsOf } from '@meshlet/transport-triple';
import { Echo, MiB16, sleep, until } from './triple-echo-fixture.js';

const rejection = (p) => p.then(() => assert.fail('resolved'), (e) => e);

/**
 * @param peer {{ name: string, detail: { typeUrl: string, value: Uint8Array } }} the peer's name as its
 *   Hello answers it, and the one status detail its Fail sends
 * @param state {() => { consumer, echo, url: string, seen: object }} read when each test runs (after before())
 */
export function meshletConsumerScenarios(peer, state) {
  test('unary, with grpc-timeout and attachments as metadata', async () => {
    const { echo, seen } = state();
    const rep = await echo.Hello({ name: 'meshlet' });
    assert.equal(rep.text, `Hello meshlet from ${peer.name}`);
    assert.equal(rep.index, 1, 'attachment x-tenant arrived');
    assert.ok(seen.timeout > 9000 && seen.timeout <= 10_000, `${peer.name} saw a deadline ${seen.timeout} ms away`);
  });

  test('server streaming', async () => {
    const got = [];
    for await (const rep of state().echo.Count({ count: 500 })) got.push(rep.index);
    assert.equal(got.length, 500);
    assert.equal(got[499], 499);
  });

  test('error status, message and details reach the caller', async () => {
    const e = await rejection(state().echo.Fail({}));
    assert.ok(RpcError.is(e, Code.BadRequest), String(e));
    assert.equal(e.status, GrpcStatus.FAILED_PRECONDITION);
    assert.equal(e.message, 'not ready: ü');
    const d = statusDetailsOf(e);
    assert.equal(d.length, 1);
    assert.equal(d[0].typeUrl, peer.detail.typeUrl);
    assert.ok(Buffer.from(d[0].value).equals(Buffer.from(peer.detail.value)));
  });

  test('deadline exceeded: TIMEOUT, in time', async () => {
    const { consumer, url } = state();
    const quick = consumer.refer(Echo, { url, timeout: 150 });
    const t0 = Date.now();
    await assert.rejects(quick.Slow({}), (e) => RpcError.is(e, Code.Timeout));
    assert.ok(Date.now() - t0 < 1500);
  });

  test('cancelling a stream (break) cancels it on the server', async () => {
    const { echo, seen } = state();
    let n = 0;
    for await (const _ of echo.SlowStream({})) if (++n === 3) break;
    assert.ok(await until(seen, 'stopped'), `${peer.name} saw the cancellation`);
  });

  test('client streaming', async () => {
    async function* reqs() {
      for (let i = 1; i <= 100; i++) yield { name: '', count: i, size: 0 };
    }
    assert.equal((await state().echo.Sum(reqs())).index, 5050);
  });

  test('bidi streaming', async () => {
    async function* reqs() {
      for (const w of ['a', 'b', 'c']) yield { name: w, count: 1, size: 0 };
    }
    const got = [];
    for await (const r of state().echo.Chat(reqs())) got.push(r.text);
    assert.deepEqual(got, ['A', 'B', 'C']);
  });

  test('a 16 MiB message', async () => {
    const rep = await state().echo.Big({ size: MiB16 });
    assert.equal(rep.text, 'g'.repeat(MiB16));
  });

  test('128 calls in flight', async () => {
    const reps = await Promise.all(Array.from({ length: 128 }, (_, i) => state().echo.Hello({ name: `n${i}` })));
    reps.forEach((r, i) => assert.equal(r.text, `Hello n${i} from ${peer.name}`));
  });
}

/**
 * The streaming and size handlers of a connect-style peer server (connect-es, dubbo-js: EsEcho's
 * lower-case methods), the same for each; the peer adds hello, fail and slow, which differ.
 */
export function peerEchoHandlers(seen) {
  return {
    async *count(req) {
      for (let i = 0; i < req.count; i++) yield { text: 'c', index: i };
    },
    async *slowStream(_req, ctx) {
      try {
        for (let i = 0; !ctx.signal.aborted; i++) {
          yield { text: 't', index: i };
          await sleep(20);
        }
      } finally {
        seen.stopped = true;
      }
    },
    big: (req) => ({ text: 'g'.repeat(req.size), index: 2 }),
    async sum(reqs) {
      let total = 0;
      for await (const r of reqs) total += r.count;
      return { text: 'sum', index: total };
    },
    async *chat(reqs) {
      for await (const r of reqs) yield { text: r.name.toUpperCase(), index: r.count };
    },
  };
}
