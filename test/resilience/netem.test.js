// Real network faults between consumer, providers and registry (issue 14, item 9). Each party runs
// in its own network namespace, joined through a switch (./netns.js, ./netsim) that delays, drops
// or black-holes the packets between chosen pairs: TCP on both sides sees real loss, real latency,
// a real partition. The consumer keeps meshlet-rpc's defaults (p2c, breakers, failover, 3 s
// timeout) and finds two Dubbo providers (p1, p2) through a ZooKeeper of its own; a second
// consumer calls two RSocket providers (r1, r2: RSocket's client is its own, not core's channel),
// in namespaces of their own so that the faults of one case never reach the other's connections.
// Root only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { controlled, createLan, lanUnavailable, zookeeperIn } from './netns.js';
import { sleep } from './helpers.js';

const skip = lanUnavailable();
const provider = fileURLToPath(new URL('./provider.js', import.meta.url));
const consumerScript = fileURLToPath(new URL('./netem-consumer.js', import.meta.url));

let lan;
let zk;
const providers = {};
let consumer;
/** A consumer of r1 and r2 over RSocket, in the consumer's namespace. */
let rsocketConsumer;

/** Polls `check` (which returns a truthy value when done) every 100 ms for at most `ms`. */
async function until(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

async function startProvider(name, registry, protocol = 'dubbo', port = 20880) {
  const p = lan.node(name, [provider, protocol, registry], { env: { NAME: name, HOST: lan.address(name), PORT: String(port) } });
  providers[`${name} ${protocol}`] = p;
  await p.waitFor(/READY (\d+)/, 20_000);
}

/** Runs `method` at 128 in flight for `ms`, or until `during()` resolves: `{ counts, failures }`. */
async function loadFor(method, during, options = {}, via = consumer) {
  await via.request('load', { method, inFlight: 128, ...options });
  let failed;
  try {
    await (typeof during === 'number' ? sleep(during) : during());
  } catch (e) {
    failed = e;
  }
  // Stopped whatever happened, so a failed step never leaves 128 loops running into the next test.
  const result = await via.request('stop');
  if (failed) throw failed;
  return result;
}

const endpoint = async (party, via = consumer) => (await via.request('endpoints')).find((e) => e.address.includes(`//${lan.address(party)}:`));

const codes = (failures) => failures.reduce((m, f) => ({ ...m, [`${f.method} ${f.code}`]: (m[`${f.method} ${f.code}`] ?? 0) + 1 }), {});

before(async () => {
  if (skip) return;
  lan = await createLan(['consumer', 'p1', 'p2', 'registry', 'r1', 'r2']);
  zk = await zookeeperIn(lan, 'registry', 'consumer');
  // p2's session is short so that a partition from the registry outlasts it within this file's
  // time; p1 keeps the default 30 s.
  await Promise.all([
    startProvider('p1', zk.url), startProvider('p2', `${zk.url}?session=4000`),
    startProvider('r1', 'none', 'rsocket'), startProvider('r2', 'none', 'rsocket'),
  ]);
  consumer = await controlled(lan, 'consumer', consumerScript, [zk.url]);
  rsocketConsumer = await controlled(lan, 'consumer', consumerScript,
    [`static://rsocket://${lan.address('r1')}:20880,rsocket://${lan.address('r2')}:20880`], { PROTOCOL: 'rsocket' });
  for (const via of [consumer, rsocketConsumer]) await answeredByBoth(via);
});

/** Waits until `via` gets answers from both of its providers (20 calls a round). */
function answeredByBoth(via) {
  return until('the consumer calls both its providers', 20_000, async () => {
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      const r = await via.request('call', { method: 'lookup', n: i });
      if (r.value) seen.add(r.value.split(':')[0]);
    }
    return seen.size === 2;
  });
}

after(async () => {
  await consumer?.close();
  await rsocketConsumer?.close();
  for (const p of Object.values(providers)) await p.stop();
  zk?.close();
  lan?.destroy();
});

test('200 ms round trip: 128 in flight all answered within the default timeout; a 150 ms timeout fails alone and leaves nothing pending', { skip }, async (t) => {
  await lan.impair('consumer', 'p1', { delayMs: 100 });
  await lan.impair('consumer', 'p2', { delayMs: 100 });
  try {
    const r = await consumer.request('call', { method: 'lookup', n: 1 });
    assert.ok(r.ms >= 200, `a call took ${r.ms} ms, less than the round trip`);
    const { counts, failures } = await loadFor('both', 3000);
    t.diagnostic(`answers ${JSON.stringify(counts)}`);
    assert.deepEqual(failures, []);
    assert.ok(counts.p1 > 0 && counts.p2 > 0, JSON.stringify(counts));
    const short = await consumer.request('call', { method: 'charge', n: 2, timeout: 150 });
    assert.equal(short.code, 'TIMEOUT', JSON.stringify(short));
    // The timed-out call is settled and forgotten at once: nothing in flight anywhere.
    const endpoints = await consumer.request('endpoints');
    assert.deepEqual(endpoints.map((e) => e.inFlight), [0, 0], JSON.stringify(endpoints));
    // Its late answer arrives later and is dropped; the connection still serves.
    await sleep(500);
    assert.match((await consumer.request('call', { method: 'charge', n: 3 })).value ?? '', /^p[12]:3$/);
  } finally {
    await lan.heal('consumer', 'p1');
    await lan.heal('consumer', 'p2');
  }
});

test('15 % packet loss both ways: idempotent and non-idempotent calls at 128 in flight all complete', { skip }, async (t) => {
  const before = await lan.stats();
  await lan.impair('consumer', 'p1', { lossPercent: 15 });
  await lan.impair('consumer', 'p2', { lossPercent: 15 });
  try {
    // TCP retransmits what is lost (200 ms and doubling): a call may take seconds, so this load
    // allows 30 s per call; nothing may fail.
    const { counts, failures } = await loadFor('both', 4000, { timeout: 30_000 });
    const { dropped } = await lan.stats();
    t.diagnostic(`answers ${JSON.stringify(counts)}, frames dropped ${dropped - before.dropped}`);
    assert.deepEqual(failures, []);
    assert.ok(counts.p1 > 0 && counts.p2 > 0, JSON.stringify(counts));
    assert.ok(dropped - before.dropped > 20, 'the switch dropped packets');
  } finally {
    await lan.heal('consumer', 'p1');
    await lan.heal('consumer', 'p2');
  }
});

for (const [protocol, cut, other] of [['dubbo', 'p1', 'p2'], ['rsocket', 'r1', 'r2']]) test(`${protocol}: consumer cut off from one provider (black hole): sidelined within seconds, calls go on at the other; healed, it takes calls again`, { skip }, async (t) => {
  const via = protocol === 'dubbo' ? consumer : rsocketConsumer;
  let cutAt;
  let sidelinedAt;
  let healedAt;
  let backAt;
  let p2During;
  const { counts, failures } = await loadFor('both', async () => {
    await sleep(1500);
    const p2AtCut = await endpoint(other, via);
    cutAt = Date.now();
    await lan.partition('consumer', cut);
    // No FIN, no RST: only silence says it is gone. Sidelined = no longer offered to calls.
    const sidelined = await until(`${cut} sidelined`, 30_000, async () => {
      const p1 = await endpoint(cut, via);
      return p1 && (p1.health === 'down' || p1.breaker === 'open') && p1;
    });
    sidelinedAt = Date.now();
    t.diagnostic(`${cut} when sidelined: ${JSON.stringify(sidelined)}`);
    await sleep(3000);
    const p2AtHeal = await endpoint(other, via);
    p2During = (p2AtHeal.calls - p2AtHeal.errors) - (p2AtCut.calls - p2AtCut.errors);
    healedAt = Date.now();
    await lan.heal('consumer', cut);
    const p1AtHeal = await endpoint(cut, via);
    await until(`${cut} answers again`, 30_000, async () => {
      const p1 = await endpoint(cut, via);
      return p1.calls - p1.errors > p1AtHeal.calls - p1AtHeal.errors;
    });
    backAt = Date.now();
  }, {}, via);
  const late = failures.filter((f) => f.sentAt > sidelinedAt);
  t.diagnostic(`sidelined ${sidelinedAt - cutAt} ms after the cut; back ${backAt - healedAt} ms after healing; ` +
    `answers ${JSON.stringify(counts)}, ${other} ${p2During} from the cut to the heal; failed ${JSON.stringify(codes(failures))}, ` +
    `${late.length} of them sent after ${cut} was sidelined; lookups closed after ${failures.filter((f) => f.method === 'lookup' && f.code !== 'TIMEOUT').map((f) => f.at - f.sentAt)} ms; last failure ${failures.length ? Math.max(...failures.map((f) => f.at)) - cutAt : '-'} ms after the cut`);
  // With the defaults (3 s timeout, 3 s heartbeat probe) about 6 s; before the probe, ~50 s for
  // Dubbo (the heartbeat waits 60 s of silence, the idle close 180 s), 64 s for RSocket.
  assert.ok(sidelinedAt - cutAt < 15_000, `sidelined only ${sidelinedAt - cutAt} ms after the cut`);
  assert.ok(p2During > 1000, `${other} answered ${p2During} calls while ${cut} was cut off`);
  assert.deepEqual(late, [], `no call sent after ${cut} was sidelined failed`);
  // What may fail: calls already on their way to the cut provider (a timeout spends the whole
  // deadline, nothing is left to retry with), charges pending when the dead connection was closed
  // (not idempotent: never resent) and lookups closed with it at their deadline (the probe and the
  // first calls sent after the cut end together, 6 s in). A lookup failing otherwise was not retried.
  const spent = (f) => f.at - f.sentAt >= 2900;
  const unexpected = failures.filter((f) => !(f.code === 'TIMEOUT' || (f.code === 'CONNECTION_CLOSED' && (f.method === 'charge' || spent(f)))));
  assert.deepEqual(unexpected, []);
  assert.ok(failures.length <= 256, `${failures.length} calls failed (at most the calls sent to ${cut} before it looked slow)`);
});

test('providers cut off from the registry, then the consumer: no call fails; a provider whose session expired registers again when healed', { skip }, async (t) => {
  const answered = async (party) => {
    const e = await endpoint(party);
    return e ? e.calls - e.errors : 0;
  };
  const steps = [];
  const { counts, failures } = await loadFor('both', async () => {
    await sleep(1000);
    let cut = Date.now();
    const p1AtCut = await answered('p1');
    await lan.partition('p1', 'registry');
    await lan.partition('p2', 'registry');
    // p2's 4 s session expires and ZooKeeper deletes its node: the consumer, still connected to
    // ZooKeeper, is told p2 is gone and drops it, as Dubbo does (its pending calls drain). p1's
    // 30 s session outlives the partition: it stays listed and called.
    await until('p2 (4 s session) gone from the consumer\'s list', 20_000, async () => (await endpoint('p2')) === undefined);
    steps.push(`p2 dropped ${Date.now() - cut} ms after the cut`);
    await sleep(1000);
    assert.ok((await answered('p1')) > p1AtCut + 100, 'p1 kept answering while it could not reach the registry');
    cut = Date.now();
    await lan.heal('p1', 'registry');
    await lan.heal('p2', 'registry');
    await until('p2 registered again and called', 20_000, async () => (await answered('p2')) > 0);
    steps.push(`p2 back ${Date.now() - cut} ms after healing`);
    // The consumer loses ZooKeeper: it keeps the last list it had and calls both.
    const before = { p1: await answered('p1'), p2: await answered('p2') };
    await lan.partition('consumer', 'registry');
    await sleep(4000);
    assert.ok((await answered('p1')) > before.p1 + 100 && (await answered('p2')) > before.p2 + 100, 'both called while the consumer could not reach the registry');
    await lan.heal('consumer', 'registry');
    await sleep(500);
  });
  t.diagnostic(`${steps.join('; ')}; answers ${JSON.stringify(counts)}; failed ${JSON.stringify(codes(failures))}`);
  assert.deepEqual(failures, []);
});
