// Helpers shared by suites in more than one folder (test/registry, test/sidecar); each folder's
// helpers.js re-exports them beside its own process launchers. `waitFor` stays per folder on
// purpose: the registry suites' lets a throwing condition fail the test, the sidecar suites' retries it.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `call()` from `concurrency` loops until `stop()` is called; counts successes and failures
 * (keeping the first few failure messages).
 */
export function callLoop(call, concurrency) {
  const stats = { ok: 0, failed: 0, errors: [] };
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        await call();
        stats.ok++;
      } catch (e) {
        stats.failed++;
        if (stats.errors.length < 5) stats.errors.push(`${e?.code ?? ''} ${e?.message ?? e}`);
      }
    }
  });
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}
