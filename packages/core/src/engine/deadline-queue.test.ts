import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue, type Deadlined } from './deadline-queue.js';

interface Entry extends Deadlined { readonly name: string }

/** Resolves once `cond()` holds; fails after `ms` (a bound for a loaded machine, not a latency claim). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function queue() {
  const expired: string[] = [];
  const q: DeadlineQueue<Entry> = new DeadlineQueue<Entry>((e) => {
    expired.push(e.name);
    e.done = true;
    q.settled();
  });
  const entry = (name: string, inMs: number): Entry => ({ name, deadline: Date.now() + inMs, done: false });
  const settle = (e: Entry) => { e.done = true; q.settled(); };
  return { q, expired, entry, settle };
}

test('entries expire in deadline order, settled ones never; an out-of-order deadline is refused for its own timer', async () => {
  const { q, expired, entry, settle } = queue();
  const a = entry('a', 30);
  const b = entry('b', 40);
  const c = entry('c', 60);
  assert.ok(q.add(a) && q.add(b) && q.add(c));
  assert.equal(q.add(entry('early', 10)), false, 'an earlier deadline after later ones is refused');
  settle(b);
  await until(() => expired.length === 2, 'a and c to expire');
  assert.deepEqual(expired, ['a', 'c']);
  assert.ok(Date.now() >= c.deadline, 'nothing expires before its deadline');
  assert.equal(q.size, 0);
  assert.equal(q.nextWake, undefined, 'no timer left armed once empty after a sweep');
});

test('after the queue empties, a shorter deadline brings the timer forward', async () => {
  const { q, expired, entry, settle } = queue();
  const long = entry('long', 60_000);
  q.add(long);
  settle(long);
  const short = entry('short', 20);
  assert.ok(q.add(short));
  assert.equal(q.nextWake, short.deadline, 'armed for the short deadline, not the settled long one');
  await until(() => expired.length === 1, 'the short entry to expire');
  q.clear();
});

test('settled entries behind a slow head are compacted: memory follows the live entries', () => {
  const { q, entry, settle } = queue();
  const slow = entry('slow', 60_000);
  q.add(slow);
  for (let i = 0; i < 100_000; i++) {
    const e = entry(`e${i}`, 60_000);
    q.add(e);
    settle(e);
  }
  assert.equal(q.size, 1);
  const held = (q as unknown as { items: unknown[]; head: number });
  assert.ok(held.items.length - held.head < 1000, `${held.items.length - held.head} entries held for 1 live one`);
  q.clear();
});

test('a queue that never empties (calls always in flight) keeps an array the size of what is in flight', () => {
  const { q, entry, settle } = queue();
  const ring: Entry[] = [];
  for (let i = 0; i < 128; i++) { ring.push(entry(`r${i}`, 60_000)); q.add(ring[i]!); }
  for (let k = 0; k < 100_000; k++) {
    settle(ring[k % 128]!);
    ring[k % 128] = entry(`n${k}`, 60_000);
    q.add(ring[k % 128]!);
  }
  const held = (q as unknown as { items: unknown[] });
  assert.ok(held.items.length < 4096, `array of ${held.items.length} for 128 in flight`);
  q.clear();
});
