// Polling for a condition the suites cannot be told about (a process's stats, a file source's poll).
import assert from 'node:assert/strict';

/** Resolves `check()`'s value once truthy, polling every `everyMs`; fails naming `what` after `ms`. */
export async function until(what, ms, check, everyMs = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
