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
  /** Compiled once: where the value comes from and each pattern's test, so a call does no parsing. */
  readonly source: ValueSource;
  readonly matchPatterns: readonly Pattern[];
  readonly mismatchPatterns: readonly Pattern[];
}

/** Where a `when` value is read: the method name, a consumer parameter, an argument, an attachment, or nowhere. */
type ValueSource =
  | { readonly from: 'method' }
  | { readonly from: 'consumer'; readonly key: string }
  | { readonly from: 'argument'; readonly index: number }
  | { readonly from: 'attachment'; readonly key: string }
  | { readonly from: 'none' };

/** A value pattern: a range (`~`), else a glob that may also name a consumer parameter (`$name`). */
type Pattern =
  | { readonly range: true; readonly start: number | undefined; readonly end: number | undefined; readonly usable: boolean }
  | { readonly range: false; readonly glob: Glob; readonly ref: string | undefined };

/** UrlUtils.isMatchGlobPattern, split once: only the last `*` is a wildcard. */
interface Glob {
  readonly text: string;
  readonly any: boolean;
  readonly prefix: string | undefined;
  readonly suffix: string | undefined;
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
  return [...byKey.values()].map((b) => {
    const matches = [...new Set(b.matches)];
    const mismatches = [...new Set(b.mismatches)];
    return { ...b, matches, mismatches, source: sourceOf(b), matchPatterns: matches.map(compilePattern), mismatchPatterns: mismatches.map(compilePattern) };
  });
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
    if (!matchOne(m, whenValue(m.source, call), undefined, true)) return false;
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

function sourceOf(b: Building): ValueSource {
  switch (b.kind) {
    case 'param':
      return b.key === 'method' || b.key === 'methods' ? { from: 'method' } : { from: 'consumer', key: b.key };
    case 'argument': {
      const found = ARGUMENT.exec(b.key.split('.')[0]!);
      const index = found === null ? NaN : Number(found[1]);
      // Integer.parseInt overflows past int: Dubbo then reads the not-found value.
      return Number.isInteger(index) && index <= MAX_INT ? { from: 'argument', index } : { from: 'none' };
    }
    case 'attachment': {
      const found = ATTACHMENT.exec(b.key.split('.')[0]!);
      return found === null ? { from: 'none' } : { from: 'attachment', key: found[1]! };
    }
  }
}

function whenValue(source: ValueSource, call: CallSample): string | undefined {
  switch (source.from) {
    case 'method':
      return call.method;
    case 'consumer':
      return own(call.consumer, source.key);
    case 'argument':
      return source.index < call.args.length ? javaString(call.args[source.index]) : NOT_FOUND;
    case 'attachment':
      return own(call.attachments, source.key);
    case 'none':
      return NOT_FOUND;
  }
}

function own(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/** `String.valueOf` of what Java would have received. */
function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
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
  for (const p of m.mismatchPatterns) if (matchPattern(p, value, consumer, when)) return false;
  if (m.matchPatterns.length === 0) return m.mismatchPatterns.length > 0;
  for (const p of m.matchPatterns) if (matchPattern(p, value, consumer, when)) return true;
  return false;
}

function matchPattern(p: Pattern, value: string, consumer: Readonly<Record<string, string>> | undefined, when: boolean): boolean {
  if (p.range) {
    // Dubbo's RangeValuePattern: an unusable pattern or value counts as a match on the `then` side only.
    if (!p.usable) return !when;
    const v = javaInt(value);
    if (v === undefined) return !when;
    return (p.start === undefined || v >= p.start) && (p.end === undefined || v <= p.end);
  }
  // `$name` reads the consumer's parameter where there is a consumer URL (the `then` side).
  if (p.ref !== undefined && consumer !== undefined) return matchGlob(own(consumer, p.ref), value);
  return testGlob(p.glob, value);
}

function compilePattern(text: string): Pattern {
  if (text.includes('~')) {
    // Java's split drops trailing empty strings: `1~` is one part, `~` none.
    const parts = text.split('~');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length < 2) return { range: true, start: undefined, end: undefined, usable: false };
    const [rawStart, rawEnd] = [parts[0]!, parts[1]!];
    if (rawStart === '' && rawEnd === '') return { range: true, start: undefined, end: undefined, usable: false };
    const start = rawStart === '' ? undefined : javaInt(rawStart);
    const end = rawEnd === '' ? undefined : javaInt(rawEnd);
    const usable = (rawStart === '' || start !== undefined) && (rawEnd === '' || end !== undefined);
    return { range: true, start, end, usable };
  }
  return { range: false, glob: compileGlob(text), ref: text.startsWith('$') ? text.slice(1) : undefined };
}

function compileGlob(text: string): Glob {
  const i = text.lastIndexOf('*');
  if (text === '*') return { text, any: true, prefix: undefined, suffix: undefined };
  if (i === -1) return { text, any: false, prefix: undefined, suffix: undefined };
  return { text, any: false, prefix: text.slice(0, i), suffix: text.slice(i + 1) };
}

/** `matchGlob` with the pattern split beforehand. */
function testGlob(g: Glob, value: string): boolean {
  if (g.any) return true;
  if (g.text === '' || value === '') return g.text === '' && value === '';
  if (g.prefix === undefined) return value === g.text;
  return value.startsWith(g.prefix) && value.endsWith(g.suffix!);
}

/** StringUtils.parseInteger: digits only, else 0; undefined where Integer.parseInt would throw. */
function javaInt(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return 0;
  const n = Number(text);
  return n > MAX_INT ? undefined : n;
}
