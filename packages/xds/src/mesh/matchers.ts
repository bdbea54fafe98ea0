import { list, obj, str, wrappedBool, type Obj } from './values.js';

// Envoy's route matching, as gRPC's xDS client applies it to an RPC: the path is
// `/{interface}/{method}` (Triple's and gRPC's :path; Meshlet builds the same for every protocol)
// and the headers are the call's attachments.

/** Matches a path; undefined when the route's path specifier is one Meshlet does not know (the route is skipped). */
export function pathMatcher(match: Obj): ((path: string) => boolean) | undefined {
  const sensitive = wrappedBool(match.caseSensitive) ?? true;
  const prefix = str(match.prefix);
  const path = str(match.path);
  const regex = str(obj(match.safeRegex)?.regex);
  if (prefix !== undefined) {
    if (sensitive) return (p) => p.startsWith(prefix);
    const lower = prefix.toLowerCase();
    return (p) => p.toLowerCase().startsWith(lower);
  }
  if (path !== undefined) {
    if (sensitive) return (p) => p === path;
    const lower = path.toLowerCase();
    return (p) => p.toLowerCase() === lower;
  }
  if (regex !== undefined) {
    const re = fullMatch(regex);
    return re === undefined ? undefined : (p) => re.test(p);
  }
  // An empty match (no specifier set) is a prefix of "" in proto3 JSON configs: everything.
  if (match.pathSpecifier === undefined && match.connectMatcher === undefined && match.pathMatchPolicy === undefined) return () => true;
  return undefined;
}

/** RE2 patterns as JS ones (the subset that agrees), matching the whole string as Envoy's safe_regex does. */
export function fullMatch(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return undefined;
  }
}

/** A compiled header matcher over the call's attachments; undefined: unknown (the route is skipped, as gRPC NACKs it). */
export type AttachmentTest = (attachments: Readonly<Record<string, string>>) => boolean;

export function headerMatcher(h: Obj): AttachmentTest | undefined {
  const name = str(h.name);
  if (name === undefined) return undefined;
  const invert = h.invertMatch === true;
  const test = valueTest(h);
  if (test === undefined) return undefined;
  const key = name.toLowerCase();
  // Attachments keep the case the sender wrote; header names are lower case: try both.
  const read = (a: Readonly<Record<string, string>>) => (Object.hasOwn(a, name) ? a[name] : Object.hasOwn(a, key) ? a[key] : undefined);
  return (a) => test(read(a)) !== invert;
}

function valueTest(h: Obj): ((value: string | undefined) => boolean) | undefined {
  const present = h.presentMatch;
  if (present !== undefined) return (v) => (v !== undefined) === (present === true);
  const exact = str(h.exactMatch);
  if (exact !== undefined) return (v) => v === exact;
  const prefix = str(h.prefixMatch);
  if (prefix !== undefined) return (v) => v !== undefined && v.startsWith(prefix);
  const suffix = str(h.suffixMatch);
  if (suffix !== undefined) return (v) => v !== undefined && v.endsWith(suffix);
  const contains = str(h.containsMatch);
  if (contains !== undefined) return (v) => v !== undefined && v.includes(contains);
  const regex = str(obj(h.safeRegexMatch)?.regex);
  if (regex !== undefined) {
    const re = fullMatch(regex);
    return re === undefined ? undefined : (v) => v !== undefined && re.test(v);
  }
  const range = obj(h.rangeMatch);
  if (range !== undefined) {
    const start = Number(range.start ?? 0);
    const end = Number(range.end ?? 0);
    return (v) => v !== undefined && /^-?\d+$/.test(v) && Number(v) >= start && Number(v) < end;
  }
  const sm = obj(h.stringMatch);
  if (sm !== undefined) return stringMatcher(sm);
  return undefined;
}

/** envoy.type.matcher.v3.StringMatcher. */
export function stringMatcher(sm: Obj): ((value: string | undefined) => boolean) | undefined {
  const ignoreCase = sm.ignoreCase === true;
  // The pattern normalised once; only the call's value per call.
  const norm = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const exact = str(sm.exact);
  if (exact !== undefined) {
    const want = norm(exact);
    return (v) => v !== undefined && norm(v) === want;
  }
  const prefix = str(sm.prefix);
  if (prefix !== undefined) {
    const want = norm(prefix);
    return (v) => v !== undefined && norm(v).startsWith(want);
  }
  const suffix = str(sm.suffix);
  if (suffix !== undefined) {
    const want = norm(suffix);
    return (v) => v !== undefined && norm(v).endsWith(want);
  }
  const contains = str(sm.contains);
  if (contains !== undefined) {
    const want = norm(contains);
    return (v) => v !== undefined && norm(v).includes(want);
  }
  const regex = str(obj(sm.safeRegex)?.regex);
  if (regex !== undefined) {
    const re = fullMatch(regex);
    return re === undefined ? undefined : (v) => v !== undefined && re.test(v);
  }
  return undefined;
}

/**
 * The virtual host for `authority` (gRPC's rule): an exact domain, then the longest `*.suffix`,
 * then the longest `prefix.*`, then `*`; case-insensitive.
 */
export function virtualHostFor(virtualHosts: readonly Obj[], authority: string): Obj | undefined {
  const host = authority.toLowerCase();
  let best: Obj | undefined;
  let bestRank = 0;
  let bestLength = -1;
  for (const vh of virtualHosts) {
    for (const raw of (Array.isArray(vh.domains) ? vh.domains : []) as unknown[]) {
      if (typeof raw !== 'string' || raw === '') continue;
      const d = raw.toLowerCase();
      let rank = 0;
      if (d === host) rank = 4;
      else if (d === '*') rank = 1;
      else if (d.startsWith('*') && host.endsWith(d.slice(1))) rank = 3;
      else if (d.endsWith('*') && host.startsWith(d.slice(0, -1))) rank = 2;
      if (rank === 0) continue;
      if (rank > bestRank || (rank === bestRank && d.length > bestLength)) {
        best = vh;
        bestRank = rank;
        bestLength = d.length;
      }
    }
  }
  return best;
}

export { list };
