import type { Candidate } from '../load-balancer.js';
import type { Invocation } from '../invocation.js';

/** Narrows the endpoints a call may go to, before the balancer picks one. */
export type Router = <C extends Candidate>(candidates: readonly C[], invocation: Invocation) => readonly C[];

export interface TagRules {
  /** The endpoint parameter and call attachment that carry tags (Dubbo's `dubbo.tag`). */
  readonly key?: string;
  /** Share (0–1) of untagged calls to send to endpoints with each tag: `{ canary: 0.05 }`. */
  readonly shares?: Readonly<Record<string, number>>;
  /** A tagged call with no endpoint of its tag fails instead of falling back to untagged ones. */
  readonly force?: boolean;
}

/**
 * Tag routing for canary and gray releases, as Dubbo's tag router: a call tagged `canary` goes to
 * endpoints tagged `canary`; untagged calls go to untagged endpoints, except the configured share
 * sent to each tag. The rules are read per call, so `Meshlet.setRoutes` changes them at run time.
 */
export function tagRouter(rules: () => TagRules, random: () => number = Math.random): Router {
  return (candidates, inv) => {
    const { key = 'dubbo.tag', shares, force = false } = rules();
    let tag = inv.attachments[key];
    if (!tag && shares) {
      let r = random();
      for (const [t, share] of Object.entries(shares)) {
        if (r < share) { tag = t; break; }
        r -= share;
      }
    }
    if (!candidates.some((c) => c.endpoint.params[key])) return candidates; // nothing tagged
    if (tag) {
      const tagged = candidates.filter((c) => c.endpoint.params[key] === tag);
      if (tagged.length > 0 || force) return tagged;
    }
    const untagged = candidates.filter((c) => !c.endpoint.params[key]);
    return untagged.length > 0 ? untagged : candidates;
  };
}
