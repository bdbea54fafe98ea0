import { parseDocument } from 'yaml';
import { parseCondition, type Condition } from './condition.js';
import { RoutingRuleError } from './errors.js';

/** The fields every Dubbo router rule has (AbstractRouterRule), with Dubbo's defaults. */
export interface RuleMeta {
  readonly configVersion: string | undefined;
  /** `service` or `application` as written; informative: the config key decides what a rule applies to. */
  readonly scope: string | undefined;
  readonly key: string | undefined;
  /** An empty result stays empty (condition) / a tag with no provider does not fall back (tag). */
  readonly force: boolean;
  /** Dubbo caches route results of non-runtime rules; Meshlet routes per call either way. */
  readonly runtime: boolean;
  readonly enabled: boolean;
  /** Parsed as Dubbo does; Dubbo 3 orders routers by kind (tag, service, application), not by this. */
  readonly priority: number;
  readonly dynamic: boolean;
}

/** `{service}.condition-router` / `{application}.condition-router`, compiled. */
export interface ConditionRule extends RuleMeta {
  readonly kind: 'condition';
  /** Applied in order, each to what the one before left. */
  readonly conditions: readonly Condition[];
}

/** Dubbo's StringMatch: the first field present decides. */
export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
  readonly wildcard?: string;
  readonly empty?: string;
  readonly noempty?: string;
}

export interface TagMatch {
  readonly key: string;
  readonly value: StringMatch | undefined;
  /** `regex` compiled once. */
  readonly pattern: RegExp | undefined;
}

export interface TagDefinition {
  readonly name: string;
  /** Address expressions (`10.0.0.1:20880`, `10.0.0.*`, CIDR); Dubbo 2.7's way. */
  readonly addresses: readonly string[] | undefined;
  /** Provider parameter conditions (configVersion v3.0): providers matching all carry the tag. */
  readonly match: readonly TagMatch[] | undefined;
}

/** `{provider application}.tag-router`, compiled. */
export interface TagRule extends RuleMeta {
  readonly kind: 'tag';
  readonly tags: readonly TagDefinition[];
  /** False when there are no tags: the router then routes by the providers' own tags, as with no rule. */
  readonly valid: boolean;
}

const MAX_RULE_BYTES = 1 << 20;

/** Parses a condition rule document (YAML, Dubbo 3 format up to configVersion v3.0). */
export function parseConditionRule(text: string, key?: string): ConditionRule {
  const { map, meta } = document(text, key);
  if (map.valid !== undefined && !javaBoolean(map.valid)) throw new RoutingRuleError('the rule says valid: false', key);
  const list = map.conditions;
  if (!Array.isArray(list) || list.length === 0) throw new RoutingRuleError('the rule has no conditions', key);
  const conditions = list.map((c, i) => {
    try {
      return parseCondition(javaValueOf(c));
    } catch (err) {
      throw new RoutingRuleError(`condition ${i} (${JSON.stringify(javaValueOf(c))}): ${(err as Error).message}`, key, err);
    }
  });
  return { kind: 'condition', ...meta, conditions };
}

/** Parses a tag rule document (YAML; `match` conditions from configVersion v3.0). */
export function parseTagRule(text: string, key?: string): TagRule {
  const { map, meta } = document(text, key);
  const v30 = meta.configVersion?.startsWith('v3.0') ?? false;
  const raw = map.tags;
  const tags = Array.isArray(raw) ? raw.map((t, i) => tagOf(t, i, v30, key)) : [];
  const valid = tags.length > 0 && (map.valid === undefined || javaBoolean(map.valid));
  return { kind: 'tag', ...meta, tags, valid };
}

function tagOf(raw: unknown, i: number, v30: boolean, key: string | undefined): TagDefinition {
  if (!isMap(raw)) throw new RoutingRuleError(`tags[${i}] is not a map`, key);
  const name = optionalString(raw.name, `tags[${i}].name`, key);
  if (name === undefined || name === '') throw new RoutingRuleError(`tags[${i}] has no name`, key);
  let match: TagMatch[] | undefined;
  if (v30 && raw.match !== undefined && raw.match !== null) {
    if (!Array.isArray(raw.match)) throw new RoutingRuleError(`tags[${i}].match is not a list`, key);
    match = raw.match.map((m, j) => matchOf(m, `tags[${i}].match[${j}]`, key));
  }
  const addresses = Array.isArray(raw.addresses) ? raw.addresses.map(javaValueOf) : undefined;
  return { name, addresses, match };
}

function matchOf(raw: unknown, where: string, key: string | undefined): TagMatch {
  if (!isMap(raw)) throw new RoutingRuleError(`${where} is not a map`, key);
  const k = optionalString(raw.key, `${where}.key`, key);
  if (k === undefined) throw new RoutingRuleError(`${where} has no key`, key);
  let value: StringMatch | undefined;
  let pattern: RegExp | undefined;
  if (raw.value !== undefined && raw.value !== null) {
    if (!isMap(raw.value)) throw new RoutingRuleError(`${where}.value is not a map`, key);
    const v: Record<string, string> = {};
    for (const f of ['exact', 'prefix', 'regex', 'wildcard', 'empty', 'noempty'] as const) {
      const s = raw.value[f];
      if (s !== undefined && s !== null) v[f] = javaValueOf(s);
    }
    value = v;
    if (v.regex !== undefined) {
      try {
        pattern = new RegExp(`^(?:${v.regex})$`, 'u');
      } catch (err) {
        throw new RoutingRuleError(`${where}.value.regex does not compile: ${(err as Error).message}`, key, err);
      }
    }
  }
  return { key: k, value, pattern };
}

/** Dubbo's StringMatch.isMatch of a provider's parameter (undefined: absent). */
export function matchString(m: TagMatch, input: string | undefined): boolean {
  const v = m.value;
  if (v === undefined) return false;
  if (v.exact !== undefined && input !== undefined) return input === v.exact;
  if (v.prefix !== undefined && input !== undefined) return input.startsWith(v.prefix);
  if (v.regex !== undefined && input !== undefined) return m.pattern!.test(input);
  if (v.wildcard !== undefined && input !== undefined) return input === v.wildcard || v.wildcard === '*';
  if (v.empty !== undefined) return input === undefined || input === '';
  if (v.noempty !== undefined) return input !== undefined && input.length > 0;
  return false;
}

function document(text: string, key: string | undefined): { map: Record<string, unknown>; meta: RuleMeta } {
  if (typeof text !== 'string') throw new RoutingRuleError('a rule is YAML text', key);
  if (text.length > MAX_RULE_BYTES) throw new RoutingRuleError(`a rule longer than ${MAX_RULE_BYTES} characters`, key);
  let parsed: unknown;
  try {
    // YAML 1.1, as Dubbo's SnakeYAML reads it (`force: yes` is true); duplicate keys allowed, the
    // last wins. Nothing is printed: a rule's problems are this function's error.
    const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: false, logLevel: 'silent' });
    const problem = doc.errors[0] ?? doc.warnings[0];
    // An unknown tag is refused, as SnakeYAML's SafeConstructor refuses `!!some.java.Class`.
    if (problem !== undefined) throw problem;
    parsed = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new RoutingRuleError(`not YAML: ${(err as Error).message.split('\n')[0]}`, key, err);
  }
  if (!isMap(parsed)) throw new RoutingRuleError('a rule is a YAML map', key);
  const map = parsed;
  const configVersion = optionalString(map.configVersion, 'configVersion', key);
  if (configVersion !== undefined) {
    const v = configVersion.toLowerCase();
    if (v.startsWith('v3.1')) throw new RoutingRuleError('configVersion v3.1 (multiple destinations) is not supported; write v3.0', key);
    if (v > 'v3.1') throw new RoutingRuleError(`configVersion ${configVersion} is newer than v3.1; Dubbo ignores it too`, key);
  }
  const meta: RuleMeta = {
    configVersion,
    scope: optionalString(map.scope, 'scope', key),
    key: optionalString(map.key, 'key', key),
    force: map.force === undefined || map.force === null ? false : javaBoolean(map.force),
    runtime: map.runtime === undefined || map.runtime === null ? true : javaBoolean(map.runtime),
    enabled: map.enabled === undefined || map.enabled === null ? true : javaBoolean(map.enabled),
    priority: map.priority === undefined || map.priority === null ? 0 : javaInt(map.priority, key),
    dynamic: map.dynamic === undefined || map.dynamic === null ? false : javaBoolean(map.dynamic),
  };
  return { map, meta };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Java's `(String) map.get(k)`: absent is fine, anything but a string is a ClassCastException. */
function optionalString(v: unknown, field: string, key: string | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new RoutingRuleError(`${field} is not a string`, key);
  return v;
}

/** `Boolean.parseBoolean(v.toString())`. */
function javaBoolean(v: unknown): boolean {
  return javaValueOf(v).toLowerCase() === 'true';
}

/** `Integer.parseInt(v.toString())`. */
function javaInt(v: unknown, key: string | undefined): number {
  const s = javaValueOf(v);
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) throw new RoutingRuleError(`priority ${JSON.stringify(s)} is not an int`, key);
  return n;
}

/** `String.valueOf` of a YAML value. */
function javaValueOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return Object.prototype.toString.call(v);
  }
}
