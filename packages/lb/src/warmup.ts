/** Dubbo's default warm-up time when a provider's URL has no `warmup` parameter: ten minutes. */
export const DEFAULT_WARMUP_MS = 600_000;

const f = Math.fround;

/**
 * The weight of a provider `uptimeMs` into its `warmupMs` warm-up, as Dubbo's consumers compute
 * it, so a mixed Java/Node fleet ramps a new provider up at the same pace. Dubbo does this in Java
 * `float` arithmetic and truncates to `int`; `Math.fround` reproduces each float rounding step, so
 * the result matches Java bit for bit at the ramp's edges. Clamped to [1, weight]: a warming
 * provider always gets some traffic, never more than its full weight.
 */
export function warmupWeight(uptimeMs: number, warmupMs: number, weight: number): number {
  const perUnit = f(f(warmupMs) / f(weight));
  const ramped = Math.trunc(f(f(uptimeMs) / perUnit));
  return ramped < 1 ? 1 : Math.min(ramped, weight);
}
