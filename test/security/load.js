// Calls kept in flight while something changes under them (a certificate rotated, a policy set):
// the suites assert that none of them failed.

/** Keeps `width` calls of `call(i)` in flight until stopped; every failure is kept. */
export function load(call, width = 128) {
  let running = true;
  let ok = 0;
  const failures = [];
  const workers = Array.from({ length: width }, async (_, i) => {
    while (running) {
      try {
        await call(i);
        ok++;
      } catch (err) {
        failures.push(err);
      }
    }
  });
  return {
    failures,
    get ok() {
      return ok;
    },
    /** Resolves after `n` more calls have been answered; rejects after `ms` or at the first failure. */
    async more(n, ms = 15_000) {
      const target = ok + n;
      const deadline = Date.now() + ms;
      while (ok < target) {
        if (failures.length > 0) throw failures[0];
        if (Date.now() > deadline) throw new Error(`${n} more answered calls: only ${ok - target + n} in ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
