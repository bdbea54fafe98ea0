import type { Candidate } from '../load-balancer.js';
import { matchThen, matchWhen, type CallSample, type Condition } from './condition.js';
import type { ConditionRule } from './rule-doc.js';
import { providerSample } from './samples.js';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Runs a condition rule over a call's candidates as Dubbo's ListenableStateRouter runs its
 * ConditionStateRouters: each condition in turn, on what the one before left. Per call only the
 * `when` side is matched; the `then` side's result depends on the candidate list alone, so it is
 * kept per list and condition, and the same list comes back (the directory's per-list caches hold).
 */
export class ConditionRouting {
  readonly #thenCache = new WeakMap<readonly Candidate[], WeakMap<Condition, readonly Candidate[]>>();

  route<C extends Candidate>(rule: ConditionRule, candidates: readonly C[], call: CallSample): readonly C[] {
    if (!rule.enabled) return candidates;
    let list = candidates;
    for (const condition of rule.conditions) {
      if (list.length === 0) return list;
      if (!matchWhen(condition, call)) continue;
      // No `then`: the consumer is on a block list for these calls.
      if (condition.then === null) return EMPTY;
      const matched = this.#then(condition, list, call.consumer);
      // Dubbo's empty-result rule: an empty match stays empty only when forced, else all stay.
      if (matched.length > 0 || rule.force) list = matched;
    }
    return list;
  }

  #then<C extends Candidate>(condition: Condition, list: readonly C[], consumer: Readonly<Record<string, string>>): readonly C[] {
    let byCondition = this.#thenCache.get(list);
    if (byCondition === undefined) this.#thenCache.set(list, (byCondition = new WeakMap()));
    let out = byCondition.get(condition) as readonly C[] | undefined;
    if (out === undefined) {
      const kept = list.filter((c) => matchThen(condition, providerSample(c.endpoint), consumer));
      out = kept.length === list.length ? list : kept.length === 0 ? EMPTY : kept;
      byCondition.set(condition, out);
    }
    return out;
  }
}
