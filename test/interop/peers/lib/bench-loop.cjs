'use strict';
// The `--bench` mode of the consumer peers (dubbo-consumer-peer.cjs, sofa-consumer-peer.cjs): the
// same closed loop and the same JSON line for every package, so their numbers compare. Only the
// call itself is the peer's.

/**
 * Runs `concurrency` workers that call back to back; counts the calls that end within `seconds`
 * after `warmup`, then prints `{ calls, errors, qps, p50_ms, p99_ms, rss_mb }` as one JSON line
 * (and the last error, if any, on stderr).
 *
 * @param {{ concurrency: number, warmup: number, seconds: number, tailMs: number }} o
 *   `tailMs`: how long to wait for calls still in flight at the end.
 * @param {() => Promise<string | null>} call one call: null when it came back right, else what went wrong.
 */
async function benchLoop(o, call) {
  // 1 % log histogram from 1 µs: memory stays flat however many calls complete, so the reported
  // RSS is the package's, not our latency store's.
  const LOG_STEP = Math.log(1.01);
  const hist = new Float64Array(2400);
  let n = 0;
  const record = (ms) => {
    let b = ms <= 0.001 ? 0 : Math.floor(Math.log(ms / 0.001) / LOG_STEP);
    if (b >= hist.length) b = hist.length - 1;
    hist[b]++;
    n++;
  };
  const pct = (p) => {
    if (n === 0) return null;
    const rank = Math.ceil((p / 100) * n);
    let seen = 0;
    for (let b = 0; b < hist.length; b++) {
      seen += hist[b];
      if (seen >= rank) return 0.001 * Math.pow(1.01, b + 0.5);
    }
    return null;
  };
  let calls = 0;
  let errors = 0;
  let lastError = null;
  let recording = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const t0 = performance.now();
      let error;
      try {
        error = await call();
      } catch (e) {
        error = e && e.message ? e.message : String(e);
      }
      if (!recording || stop) continue;
      if (error) {
        errors++;
        lastError = error;
      } else {
        calls++;
        record(performance.now() - t0);
      }
    }
  };
  const workers = Array.from({ length: o.concurrency }, worker);
  if (o.warmup > 0) await new Promise((r) => setTimeout(r, o.warmup * 1000));
  recording = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  stop = true;
  const elapsed = (performance.now() - t0) / 1000;
  const rss = process.memoryUsage().rss;
  // Do not wait for the tail: a stuck call must not hold the process.
  await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, o.tailMs))]);
  const round = (x, d = 3) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
  if (lastError) process.stderr.write(`last error: ${lastError}\n`);
  process.stdout.write(JSON.stringify({ calls, errors, qps: round(calls / elapsed, 1), p50_ms: round(pct(50)), p99_ms: round(pct(99)), rss_mb: round(rss / 1048576, 1) }) + '\n');
}

module.exports = { benchLoop };
