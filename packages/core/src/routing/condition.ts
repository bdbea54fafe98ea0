import { matchGlob } from './glob.js';
import { RoutingRuleError } from './errors.js';

/**
 * One condition of a Dubbo condition rule, `when => then`, compiled once: each side a list of
 * matchers, as Dubbo's ConditionStateRouter parses it (3.3). `then === null` is a block list: the
 * calls `when` selects get no provider at all.
 */
export interface Condition {
  readonly text: string;
  readonly when: readonly ConditionMatcher[];
  readonly then: readonly ConditionMatcher[] | null;
}

/** What a matcher reads a value from. */
export type MatcherKind = 'param' | 'argument' | 'attachment';

export interface ConditionMatcher {
  readonly key: string;
  readonly kind: MatcherKind;
  readonly matches: readonly string[];
  readonly mismatches: readonly string[];
}

/** The value Dubbo reads for an argument or attachment it cannot find; patterns still run on it. */
export const NOT_FOUND = 'dubbo_internal_not_found_argument_condition_value';

/** What a `when` side is matched against: the consumer's URL parameters and the call. */
export interface CallSample {
  /** The consumer's URL as Dubbo's `toOriginalMap` has it: application, host, interface, version, group, side... */
  readonly consumer: Readonly<Record<string, string>>;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly attachments: Readonly<Record<string, string>>;
}

// Dubbo's ROUTE_PATTERN: an optional run of separators, then a token.
const ROUTE = /([&!=,]*)\s*([^&!=,\s]+)/g;
const ARGUMENT = /arguments\[([0-9]+)\]/;
const ATTACHMENT = /attachments\[(.+)\]/;
const MAX_INT = 2 ** 31 - 1;

/** Parses `when => then` the way ConditionStateRouter.init does; RoutingRuleError where it throws. */
export function parseCondition(text: string): Condition {
  if (typeof text !== 'string' || text.trim() === '') throw new RoutingRuleError('empty condition');
  // Java's String.replace: every occurrence, also inside values.
  const rule = text.replaceAll('consumer.', '').replaceAll('provider.', '');
  const i = rule.indexOf('=>');
  const whenText = i < 0 ? undefined : rule.slice(0, i).trim();
  const thenText = (i < 0 ? rule : rule.slice(i + 2)).trim();
  const when = whenText === undefined || whenText === '' || whenText === 'true' ? [] : parseSide(whenText);
  const then = thenText === '' || thenText === 'false' ? null : parseSide(thenText);
  return { text, when, then };
}

interface Building { key: string; kind: MatcherKind; matches: string[]; mismatches: string[] }

function parseSide(side: string): ConditionMatcher[] {
  const byKey = new Map<string, Building>();
  let pair: Building | undefined;
  let values: string[] | undefined;
  for (const m of side.matchAll(ROUTE)) {
    const separator = m[1]!;
    const content = m[2]!;
    switch (separator) {
      case '':
        // A key at the start replaces an earlier matcher of the same key, as Java's map.put.
        pair = newMatcher(content);
        byKey.delete(content);
        byKey.set(content, pair);
        break;
      case '&':
        pair = byKey.get(content);
        if (pair === undefined) byKey.set(content, (pair = newMatcher(content)));
        break;
      case '=':
        if (pair === undefined) throw illegal(side, separator, m.index, content);
        (values = pair.matches).push(content);
        break;
      case '!=':
        if (pair === undefined) throw illegal(side, separator, m.index, content);
        (values = pair.mismatches).push(content);
        break;
      case ',':
        // Dubbo adds to the last value list, even one of an earlier key.
        if (values === undefined || values.length === 0) throw illegal(side, separator, m.index, content);
        values.push(content);
        break;
      default:
        throw illegal(side, separator, m.index, content);
    }
  }
  // Java keeps values in sets; duplicates change nothing but time.
  return [...byKey.values()].map((b) => ({ ...b, matches: [...new Set(b.matches)], mismatches: [...new Set(b.mismatches)] }));
}

function newMatcher(key: string): Building {
  const kind: MatcherKind = key.startsWith('attachments') ? 'attachment' : key.startsWith('arguments') ? 'argument' : 'param';
  return { key, kind, matches: [], mismatches: [] };
}

function illegal(rule: string, separator: string, index: number, content: string): RoutingRuleError {
  return new RoutingRuleError(`illegal route rule "${rule}": the error char '${separator}' at index ${index} before "${content}"`);
}

/** Whether a call matches the `when` side (an empty side matches every call). */
export function matchWhen(condition: Condition, call: CallSample): boolean {
  for (const m of condition.when) {
    if (!matchOne(m, whenValue(m, call), undefined, true)) return false;
  }
  return true;
}

/**
 * Whether a provider matches the `then` side; `$name` patterns read the consumer's parameter
 * `name`. An empty side matches no provider.
 */
export function matchThen(condition: Condition, provider: Readonly<Record<string, string>>, consumer: Readonly<Record<string, string>>): boolean {
  const then = condition.then;
  if (then === null || then.length === 0) return false;
  for (const m of then) {
    // Without a call, Dubbo's argument and attachment matchers fail into the not-found value.
    const value = m.kind === 'param' ? own(provider, m.key) : NOT_FOUND;
    if (!matchOne(m, value, consumer, false)) return false;
  }
  return true;
}

function whenValue(m: ConditionMatcher, call: CallSample): string | undefined {
  switch (m.kind) {
    case 'param':
      return m.key === 'method' || m.key === 'methods' ? call.method : own(call.consumer, m.key);
    case 'argument': {
      const found = ARGUMENT.exec(m.key.split('.')[0]!);
      if (found === null) return NOT_FOUND;
      const index = Number(found[1]);
      if (index > MAX_INT || index >= call.args.length) return NOT_FOUND;
      return javaString(call.args[index]);
    }
    case 'attachment': {
      const found = ATTACHMENT.exec(m.key.split('.')[0]!);
      if (found === null) return NOT_FOUND;
      return own(call.attachments, found[1]!);
    }
  }
}

function own(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/** `String.valueOf` of what Java would have received. */
function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return Object.prototype.toString.call(value); // cycles, bigints inside: never fail a call over its routing
  }
}

function matchOne(m: ConditionMatcher, value: string | undefined, consumer: Readonly<Record<string, string>> | undefined, when: boolean): boolean {
  if (value === undefined) return false;
  // Mismatches first: a value in both lists does not match.
  for (const p of m.mismatches) if (matchPattern(p, value, consumer, when)) return false;
  if (m.matches.length === 0) return m.mismatches.length > 0;
  for (const p of m.matches) if (matchPattern(p, value, consumer, when)) return true;
  return false;
}

function matchPattern(pattern: string, value: string, consumer: Readonly<Record<string, string>> | undefined, when: boolean): boolean {
  if (pattern.includes('~')) return matchRange(pattern, value, when);
  const resolved = consumer !== undefined && pattern.startsWith('$') ? own(consumer, pattern.slice(1)) : pattern;
  return matchGlob(resolved, value);
}

/** Dubbo's RangeValuePattern: `low~high`, `~high`, `low~`; an unusable pattern or value counts as a match on the `then` side only. */
function matchRange(pattern: string, value: string, when: boolean): boolean {
  const fallback = !when;
  const v = javaInt(value);
  // Java's split drops trailing empty strings: `1~` is one part.
  const parts = pattern.split('~');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (v === undefined || parts.length < 2) return fallback;
  const rawStart = parts[0]!;
  const rawEnd = parts[1]!;
  if (rawStart === '' && rawEnd === '') return fallback;
  const start = rawStart === '' ? -Infinity : javaInt(rawStart);
  const end = rawEnd === '' ? Infinity : javaInt(rawEnd);
  if (start === undefined || end === undefined) return fallback;
  return v >= start && v <= end;
}

/** StringUtils.parseInteger: digits only, else 0; undefined where Integer.parseInt would throw. */
function javaInt(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return 0;
  const n = Number(text);
  return n > MAX_INT ? undefined : n;
}
