// A stopping Motan2 provider, past its notice period, refuses new requests with Java's "service
// reject" (10002) marked "provider stopping" and leaves heartbeats unanswered, while what it had
// accepted is still answered; Meshlet's client reads the refusal as SHUTDOWN with no peer status
// (resent elsewhere, the address ejected), a plain 10002 still as SERVER_BUSY.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, RpcError } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { RawPeer, Slow, slowRequest, startSlowProvider } from './wire.fixture.js';
import { Serialization, STOP_NOTICE } from './constants.js';
import { encodeHeartbeat } from './response.js';
import { errorFromException, STOPPING_PREFIX } from './exception.js';
import { readMeta } from './meta.js';

test('stopping provider: accepted calls answered; after the notice, requests refused (10002 "provider stopping"), heartbeats unanswered', async () => {
  const { mesh, port, started, untilStarted } = await startSlowProvider(motan2());
  const peer = await RawPeer.connect(port);
  try {
    // Long enough to still be in flight well after the notice, on a loaded machine too.
    peer.send(slowRequest(1, 4000));
    await untilStarted(1);
    const stopped = mesh.stop(20_000);
    // The notice is measured from the stop call, so waiting longer than it can only be later.
    await new Promise((r) => setTimeout(r, STOP_NOTICE + 200));
    peer.send(encodeHeartbeat(0, 3, Serialization.SIMPLE));
    peer.send(slowRequest(2, 1));
    await peer.untilClosed(30_000);
    await stopped;
  } finally {
    peer.close();
    await mesh.stop(0);
  }
  const byId = new Map(peer.frames.map((f) => [f.readBigUInt64BE(5), f]));
  assert.equal(started(), 1, 'the refused request never reached the method');
  assert.equal(byId.has(3n), false, 'no heartbeat reply while refusing');
  const accepted = byId.get(1n)!;
  assert.equal(accepted[3]! & 0x07, 0, 'the accepted call was answered normally');
  const refused = byId.get(2n)!;
  assert.ok(refused, `a reply to the late request among ${peer.frames.length} frames`);
  assert.equal(refused[2], 0x01);
  assert.equal(refused[3]! & 0x07, 1, 'exception status');
  const meta = readMeta(refused, 17, 17 + refused.readUInt32BE(13));
  const e = JSON.parse(meta.M_e!);
  assert.equal(e.errcode, 10002);
  assert.equal(e.errtype, 1, 'a service exception: Java and motan-go fail it over (when retries > 0) and count it against the address');
  assert.ok(String(e.errmsg).startsWith(STOPPING_PREFIX), e.errmsg);
});

test('a Meshlet client reads "provider stopping" as SHUTDOWN without a peer status; a plain 10002 or 503 stays SERVER_BUSY', () => {
  const stopping = errorFromException(`{"errcode":10002,"errmsg":"${STOPPING_PREFIX}: request not executed, send it to another provider","errtype":1}`);
  assert.equal(stopping.code, Code.Shutdown);
  // The client pool ejects an address on an error without a peer status, and failover resends it free.
  assert.equal(stopping.status, undefined);
  assert.equal(errorFromException(`{"errcode":503,"errmsg":"${STOPPING_PREFIX}","errtype":1}`).code, Code.Shutdown);
  const busy = errorFromException('{"errcode":10002,"errmsg":"process thread pool is full, reject by server","errtype":1}');
  assert.equal(busy.code, Code.ServerBusy);
  assert.equal(busy.status, 10002);
  // Only a framework or service error can say it: a business message that happens to start so stays BUSINESS.
  assert.equal(errorFromException(`{"errcode":10002,"errmsg":"${STOPPING_PREFIX}","errtype":2}`).code, Code.Business);
});

test('Meshlet consumer by address: non-idempotent calls refused by a stopping provider are resent to the other one, none fails', async () => {
  let holding = 0;
  const start = async (name: string) => {
    const m = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
    m.provide(Slow, { sleep: (ms) => (ms > 0 && holding++, new Promise((r) => setTimeout(() => r(name), ms))) });
    await m.start();
    return m;
  };
  const [a, b] = await Promise.all([start('a'), start('b')]);
  const consumer = createRuntime({ protocols: [motan2()] });
  // Its own client pool: tells when `a` refuses without setting it aside for `consumer`.
  const probe = createRuntime({ protocols: [motan2()] });
  const urlA = `127.0.0.1:${a.address()!.port}`;
  try {
    const both = consumer.refer(Slow, { url: [urlA, `127.0.0.1:${b.address()!.port}`], timeout: 20_000 });
    // One long call keeps `a` draining past its notice, so it refuses rather than closes.
    const held = consumer.refer(Slow, { url: urlA, timeout: 20_000 }).sleep(5000);
    held.catch(() => {}); // awaited below
    for (const end = Date.now() + 10_000; holding === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    assert.equal(holding, 1, 'a started the long call');
    const probeA = probe.refer(Slow, { url: urlA, timeout: 20_000 });
    assert.equal(await probeA.sleep(0), 'a', 'the probe is connected before the stop (a stopping provider accepts no connection)');
    const stopped = a.stop(20_000);
    // Polled, not a fixed wait: on a loaded machine the notice may begin well after stop() is called.
    await untilRefused(() => probeA.sleep(0));
    const answers = await Promise.all(Array.from({ length: 40 }, () => both.sleep(0).catch((e: Error) => `failed: ${e.message}`)));
    // Round robin sent half to `a`: its first 10 (the refusal burst) were resent to `b`, the rest
    // served by `a`, answered after the burst (see MotanServerCodec.refuseOrHold).
    assert.deepEqual(answers.filter((x) => x !== 'a' && x !== 'b'), [], 'every call answered');
    assert.ok(answers.filter((x) => x === 'b').length > 20, `refused calls resent to b: ${JSON.stringify(answers)}`);
    assert.equal(await held, 'a', 'the call a had accepted was answered');
    await stopped;
  } finally {
    await probe.stop(0);
    await consumer.stop(0);
    await Promise.all([a.stop(0), b.stop(0)]);
  }
});

test('a Meshlet client that got "provider stopping" sends nothing more on that connection: later calls fail SHUTDOWN, not sent', async () => {
  const { mesh, port, started, untilStarted } = await startSlowProvider(motan2());
  const client = motan2().createClient({ protocol: 'motan2', host: '127.0.0.1', port, weight: 100, params: {} });
  const method = Slow.methods.get('sleep')!;
  const call = (ms: number) => client.invoke({ service: Slow, method, args: [ms], attachments: {}, deadline: Date.now() + 20_000 });
  try {
    // Long enough to keep the provider draining (refusing, not closed) past its notice.
    const held = call(5000);
    held.catch(() => {}); // awaited below
    await untilStarted(1);
    const stopped = mesh.stop(20_000);
    const before = started();
    const refusal = await untilRefused(() => call(1));
    const served = started() - before; // answered during the notice
    assert.match(refusal.message, /request not executed/, 'the first refusal came from the provider');
    assert.equal(client.available, false, 'no longer offered to balancers');
    await assert.rejects(call(1), (e: unknown) => RpcError.is(e, Code.Shutdown) && /not sent/.test((e as Error).message));
    assert.equal(await held, 'slept', 'the call the provider had accepted was answered');
    assert.equal(started(), 1 + served, 'no call after the refusal reached the method');
    await stopped;
  } finally {
    await client.close();
    await mesh.stop(0);
  }
});

/** Calls `call` until it fails SHUTDOWN (answers during the notice are fine); that error, within 15 s. */
async function untilRefused(call: () => Promise<unknown>): Promise<RpcError> {
  for (const end = Date.now() + 15_000; ;) {
    const err = await call().then(() => undefined, (e: unknown) => e);
    if (RpcError.is(err, Code.Shutdown)) return err as RpcError;
    if (err !== undefined) throw err;
    if (Date.now() > end) assert.fail('the stopping provider never refused a call');
    await new Promise((r) => setTimeout(r, 50));
  }
}
