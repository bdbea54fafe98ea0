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
  // Partitions per candidate list and tag key, made once: the directory hands over the same list
  // until its endpoint set changes, so a call costs a lookup, not a scan of every endpoint.
  const partitions = new WeakMap<readonly Candidate[], TagPartition>();
  return <C extends Candidate>(candidates: readonly C[], inv: Invocation): readonly C[] => {
    const { key = 'dubbo.tag', shares, force = false } = rules();
    let tag = inv.attachments[key];
    if (!tag && shares) {
      let r = random();
      for (const [t, share] of Object.entries(shares)) {
        if (r < share) { tag = t; break; }
        r -= share;
      }
    }
    let p = partitions.get(candidates);
    if (p === undefined || p.key !== key) {
      p = partition(candidates, key);
      partitions.set(candidates, p);
    }
    if (p.tagged.size === 0) return candidates; // nothing tagged
    if (tag) {
      const tagged = p.tagged.get(tag) ?? [];
      if (tagged.length > 0 || force) return tagged as readonly C[];
    }
    return (p.untagged.length > 0 ? p.untagged : candidates) as readonly C[];
  };
}

interface TagPartition {
  readonly key: string;
  readonly tagged: Map<string, readonly Candidate[]>;
  readonly untagged: readonly Candidate[];
}

function partition(candidates: readonly Candidate[], key: string): TagPartition {
  const tagged = new Map<string, Candidate[]>();
  const untagged: Candidate[] = [];
  for (const c of candidates) {
    const t = c.endpoint.params[key];
    if (!t) { untagged.push(c); continue; }
    let list = tagged.get(t);
    if (list === undefined) tagged.set(t, (list = []));
    list.push(c);
  }
  return { key, tagged, untagged };
}
