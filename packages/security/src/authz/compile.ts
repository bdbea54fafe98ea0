import type { CallFacts } from './facts.js';
import { ipMatcher, stringMatcher, type Matcher } from './match.js';
import type { AuthzCondition, AuthzOperation, AuthzSource } from './policy.js';
import { ATTACHMENT_KEY, type CheckedPolicy, type CheckedRule } from './validate.js';

/** A compiled test over one call. */
export type Predicate = (facts: CallFacts) => boolean;

const ALWAYS: Predicate = () => true;

/** A policy matches a call when any of its rules does; a policy without rules matches none. */
export function compilePolicy(policy: CheckedPolicy): Predicate {
  return anyOf(policy.rules.map(compileRule), false);
}

/** `from`, `to` and `when` must all hold; a missing one holds. */
function compileRule(rule: CheckedRule): Predicate {
  const parts: Predicate[] = [];
  if (rule.from !== undefined) parts.push(anyOf(rule.from.map(compileSource), false));
  if (rule.to !== undefined) parts.push(anyOf(rule.to.map(compileOperation), false));
  if (rule.when !== undefined) parts.push(...rule.when.map(compileCondition));
  return allOf(parts);
}

function compileSource(s: AuthzSource): Predicate {
  const parts: Predicate[] = [];
  // No verified identity matches no principal and every notPrincipal (Istio's reading).
  if (s.principals) parts.push(anyValue(stringMatcher(s.principals), (f) => f.principals));
  if (s.notPrincipals) parts.push(not(anyValue(stringMatcher(s.notPrincipals), (f) => f.principals)));
  if (s.namespaces) parts.push(oneValue(stringMatcher(s.namespaces), (f) => f.namespace));
  if (s.notNamespaces) parts.push(not(oneValue(stringMatcher(s.notNamespaces), (f) => f.namespace)));
  if (s.ipBlocks) parts.push(oneValue(ipMatcher(s.ipBlocks), (f) => f.peerIp));
  if (s.notIpBlocks) parts.push(not(oneValue(ipMatcher(s.notIpBlocks), (f) => f.peerIp)));
  if (s.remoteIpBlocks) parts.push(oneValue(ipMatcher(s.remoteIpBlocks), (f) => f.remoteIp));
  if (s.notRemoteIpBlocks) parts.push(not(oneValue(ipMatcher(s.notRemoteIpBlocks), (f) => f.remoteIp)));
  return allOf(parts);
}

function compileOperation(o: AuthzOperation): Predicate {
  const parts: Predicate[] = [];
  if (o.services) parts.push(serviceMatch(o.services));
  if (o.notServices) parts.push(not(serviceMatch(o.notServices)));
  if (o.methods) parts.push(oneValue(stringMatcher(o.methods), (f) => f.method));
  if (o.notMethods) parts.push(not(oneValue(stringMatcher(o.notMethods), (f) => f.method)));
  return allOf(parts);
}

/** Plain names match the interface; names with `:` or `/` the `group/interface:version` key. */
function serviceMatch(patterns: readonly string[]): Predicate {
  const byKey = patterns.filter((p) => p.includes(':') || p.includes('/'));
  const byName = patterns.filter((p) => !byKey.includes(p));
  const parts: Predicate[] = [];
  if (byName.length > 0) parts.push(oneValue(stringMatcher(byName), (f) => f.service));
  if (byKey.length > 0) parts.push(oneValue(stringMatcher(byKey), (f) => f.serviceKey));
  return anyOf(parts, false);
}

function compileCondition(c: AuthzCondition): Predicate {
  const read = conditionReader(c.key);
  const isIp = c.key === 'source.ip' || c.key === 'remote.ip';
  const parts: Predicate[] = [];
  if (c.key === 'source.principal') {
    if (c.values) parts.push(anyValue(stringMatcher(c.values), (f) => f.principals));
    if (c.notValues) parts.push(not(anyValue(stringMatcher(c.notValues), (f) => f.principals)));
    return allOf(parts);
  }
  const compile = isIp ? ipMatcher : stringMatcher;
  if (c.values) parts.push(oneValue(compile(c.values), read));
  if (c.notValues) parts.push(not(oneValue(compile(c.notValues), read)));
  return allOf(parts);
}

function conditionReader(key: string): (f: CallFacts) => string | undefined {
  const attachment = ATTACHMENT_KEY.exec(key);
  if (attachment !== null) {
    const name = attachment[1]!;
    return (f) => f.attachment(name);
  }
  switch (key) {
    case 'source.namespace': return (f) => f.namespace;
    case 'source.ip': return (f) => f.peerIp;
    case 'remote.ip': return (f) => f.remoteIp;
    case 'destination.service': return (f) => f.service;
    default: return () => undefined; // source.principal is read above; validation refused the rest
  }
}

/** A missing value matches nothing (and so every `not…`). */
function oneValue(match: Matcher, read: (f: CallFacts) => string | undefined): Predicate {
  return (f) => {
    const v = read(f);
    return v !== undefined && match(v);
  };
}

function anyValue(match: Matcher, read: (f: CallFacts) => readonly string[]): Predicate {
  return (f) => {
    for (const v of read(f)) if (match(v)) return true;
    return false;
  };
}

function not(p: Predicate): Predicate {
  return (f) => !p(f);
}

function allOf(parts: readonly Predicate[]): Predicate {
  if (parts.length === 0) return ALWAYS;
  if (parts.length === 1) return parts[0]!;
  return (f) => {
    for (const p of parts) if (!p(f)) return false;
    return true;
  };
}

function anyOf(parts: readonly Predicate[], empty: boolean): Predicate {
  if (parts.length === 0) return () => empty;
  if (parts.length === 1) return parts[0]!;
  return (f) => {
    for (const p of parts) if (p(f)) return true;
    return false;
  };
}
