import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binOf, LATENCY_BOUNDS_MS, StatsRing } from './stats-ring.js';

test('per-second buckets: counts, errors and percentiles of each second; the filling second is left out', () => {
  let now = 1_000_000;
  const ring = new StatsRing(10, () => now);
  for (let i = 0; i < 98; i++) ring.record(2, false);
  ring.record(400, true);
  ring.record(400, false);
  now += 1000;
  ring.record(1, false);
  const series = ring.series(3);
  assert.equal(series.length, 3);
  assert.deepEqual(series.map((s) => s.t), [998_000, 999_000, 1_000_000]);
  const full = series[2]!;
  assert.equal(full.calls, 100);
  assert.equal(full.errors, 1);
  // p50 in 2 ms's bin, p99 (rank 99 of 100) in 400 ms's bin: the bins' upper bounds.
  assert.ok(full.p50 >= 2 && full.p50 < 3.5, `p50 ${full.p50}`);
  assert.ok(full.p99 >= 400 && full.p99 < 600, `p99 ${full.p99}`);
  assert.deepEqual(series.slice(0, 2).map((s) => s.calls), [0, 0]);
});

test('a bucket reused after a full turn of the ring starts over; idle seconds read as zero', () => {
  let now = 5_000;
  const ring = new StatsRing(4, () => now);
  ring.record(1, false);
  ring.record(1, false);
  now += 4000; // same slot, four seconds later
  ring.record(1, true);
  now += 1000;
  const last = ring.series(3);
  assert.deepEqual(last.map((s) => s.calls), [0, 0, 1]);
  assert.equal(last[2]!.errors, 1);
  now += 10_000;
  assert.deepEqual(ring.series(3).map((s) => s.calls), [0, 0, 0], 'nothing recorded lately');
});

test('a million calls in one second fold into one bucket, counted exactly', () => {
  let now = 7_000;
  const ring = new StatsRing(3, () => now);
  for (let i = 0; i < 1_000_000; i++) ring.record(i % 50, i % 10 === 0);
  now += 1000;
  const [s] = ring.series(1);
  assert.equal(s!.calls, 1_000_000);
  assert.equal(s!.errors, 100_000);
  assert.ok(s!.p99 >= 49 && s!.p99 < 75, `p99 ${s!.p99}`);
});

test('bins: every latency lands in the first bound at or above it; beyond the last, the overflow bin', () => {
  assert.equal(binOf(0), 0);
  assert.equal(binOf(-1), 0);
  assert.equal(binOf(Number.NaN), 0);
  for (const ms of [0.01, 0.05, 0.051, 1, 7.3, 999, 100_000]) {
    const b = binOf(ms);
    assert.ok(LATENCY_BOUNDS_MS[b]! >= ms, `${ms} ≤ bound ${LATENCY_BOUNDS_MS[b]}`);
    if (b > 0) assert.ok(LATENCY_BOUNDS_MS[b - 1]! < ms);
  }
  assert.equal(binOf(1e9), LATENCY_BOUNDS_MS.length);
  assert.throws(() => new StatsRing(0), RangeError);
});
