import type { Candidate } from '../load-balancer.js';
import { matchAddress } from './address-match.js';
import { matchString, type TagRule } from './rule-doc.js';

/** The provider parameter and call attachment carrying a tag, and the attachment forcing it (Dubbo's). */
export const TAG_KEY = 'dubbo.tag';
export const FORCE_TAG_KEY = 'dubbo.force.tag';
const LEVEL_SEPARATOR = '|';
/** Tag strings come from callers; past this many per list, results are computed, not kept. */
const MAX_CACHED_TAGS = 64;

/** One rule's view of one candidate list, made once: which candidates each tag takes. */
interface TagView {
  /** Tag names the rule defines addresses for (Dubbo's `tagnameToAddresses` keys). */
  readonly byTag: Map<string, readonly Candidate[]>;
  /** Candidates some tag of the rule takes. */
  readonly tagged: ReadonlySet<Candidate>;
  /** Whether the rule gives any tag an address (then untagged calls avoid those providers). */
  readonly anyAddress: boolean;
  readonly results: Map<string, readonly Candidate[]>;
}

/**
 * Tag routing by a rule from the config centre, as Dubbo's TagStateRouter with a valid, enabled
 * rule: providers get tags by the rule (addresses, or `match` on their parameters), besides their
 * own `dubbo.tag`; a call tagged by attachment `dubbo.tag` (levels `a|b|c` fall back to `a|b`,
 * `a`) goes to its tag's providers; an untagged call to providers no tag takes.
 */
export class TagRuleRouting {
  readonly #views = new WeakMap<readonly Candidate[], WeakMap<TagRule, TagView>>();

  route<C extends Candidate>(rule: TagRule, candidates: readonly C[], attachments: Readonly<Record<string, string>>, forceDefault: boolean): readonly C[] {
    const view = this.#view(rule, candidates);
    const tag = attachments[TAG_KEY] || '';
    const forceAttachment = attachments[FORCE_TAG_KEY];
    const force = forceAttachment === undefined ? forceDefault : forceAttachment.toLowerCase() === 'true';
    const cacheKey = `${force ? 1 : 0}${tag}`;
    let out = view.results.get(cacheKey);
    if (out === undefined) {
      out = this.#compute(rule, view, candidates, tag, force);
      if (view.results.size < MAX_CACHED_TAGS) view.results.set(cacheKey, out);
    }
    return out as readonly C[];
  }

  #compute(rule: TagRule, view: TagView, list: readonly Candidate[], tag: string, force: boolean): readonly Candidate[] {
    if (tag !== '') {
      const name = selectTag(view.byTag, tag, force);
      let result: readonly Candidate[];
      if (name !== undefined) {
        result = view.byTag.get(name)!;
        if (result.length > 0 || rule.force) return result;
      } else {
        result = keep(list, (c) => c.endpoint.params[TAG_KEY] === tag);
      }
      if (result.length > 0 || force) return result;
      return keep(list, (c) => !view.tagged.has(c) && !c.endpoint.params[TAG_KEY]);
    }
    let result = list;
    if (view.anyAddress) {
      result = keep(list, (c) => !view.tagged.has(c));
      if (result.length === 0) return result;
    }
    return keep(result, (c) => !c.endpoint.params[TAG_KEY]);
  }

  #view(rule: TagRule, list: readonly Candidate[]): TagView {
    let byRule = this.#views.get(list);
    if (byRule === undefined) this.#views.set(list, (byRule = new WeakMap()));
    let view = byRule.get(rule);
    if (view === undefined) {
      view = buildView(rule, list);
      byRule.set(rule, view);
    }
    return view;
  }
}

function buildView(rule: TagRule, list: readonly Candidate[]): TagView {
  const byTag = new Map<string, readonly Candidate[]>();
  const tagged = new Set<Candidate>();
  for (const t of rule.tags) {
    let members: Candidate[];
    if (t.addresses !== undefined && t.addresses.length > 0) {
      members = list.filter((c) => t.addresses!.some((a) => matchAddress(a, c.endpoint.host, c.endpoint.port)));
    } else if (t.match !== undefined && t.match.length > 0 && rule.configVersion?.startsWith('v3.0')) {
      members = list.filter((c) => t.match!.every((m) => matchString(m, param(c, m.key))));
      // Dubbo records a matched tag only when some provider matched it.
      if (members.length === 0) continue;
    } else {
      continue;
    }
    // A later tag of the same name replaces an earlier one, as Java's map.put.
    byTag.set(t.name, members.length === list.length ? list : members);
  }
  for (const members of byTag.values()) for (const c of members) tagged.add(c);
  return { byTag, tagged, anyAddress: byTag.size > 0, results: new Map() };
}

function param(c: Candidate, key: string): string | undefined {
  const p = c.endpoint.params;
  return Object.prototype.hasOwnProperty.call(p, key) ? p[key] : undefined;
}

/** Dubbo's selectAddressByTagLevel: `a|b|c`, then `a|b`, then `a`; exactly the tag when forced. */
function selectTag(byTag: ReadonlyMap<string, readonly Candidate[]>, tag: string, force: boolean): string | undefined {
  if (force || !tag.includes(LEVEL_SEPARATOR)) return byTag.has(tag) ? tag : undefined;
  const levels = tag.split(LEVEL_SEPARATOR).filter((s) => s !== '');
  for (let i = levels.length; i > 0; i--) {
    const name = levels.slice(0, i).join(LEVEL_SEPARATOR);
    if (byTag.has(name)) return name;
  }
  return undefined;
}

/** Dubbo's filterInvoker: the same list when all pass. */
function keep<C>(list: readonly C[], pass: (c: C) => boolean): readonly C[] {
  const out = list.filter(pass);
  return out.length === list.length ? list : out;
}
