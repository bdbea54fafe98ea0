// What the xdsMesh suites (mesh, mesh-tls, mesh-policies) share: calls kept in flight under a
// changing config, and waiting for a condition the control plane cannot report.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `check()` holds, polling every 50 ms; throws naming `what` after `ms`. */
export async function until(check, what, ms = 20_000) {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(50);
  }
}

/** The loads not stopped yet, for a test's after() to stop. */
export const loads = new Set();

/** Keeps `inFlight` calls going until stopped: answers counted by value, and every failure. */
export function load(call, inFlight = 128) {
  const counts = {};
  const errors = [];
  let running = true;
  const workers = Array.from({ length: inFlight }, async () => {
    while (running) {
      try {
        const answer = await call();
        counts[answer] = (counts[answer] ?? 0) + 1;
      } catch (err) {
        errors.push(`${err.code ?? ''} ${err.message}`);
        // A call failing at once must not spin the workers in microtasks and starve the timers.
        await new Promise((r) => setImmediate(r));
      }
    }
  });
  const handle = {
    counts, errors,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    async stop() { running = false; loads.delete(handle); await Promise.all(workers); return { counts, errors }; },
  };
  loads.add(handle);
  return handle;
}
