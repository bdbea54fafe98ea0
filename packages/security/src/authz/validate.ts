import { Code, RpcError } from '@meshlet/core';
import { checkIpBlock, checkPattern } from './match.js';
import type { AuthorizationPolicy, AuthzCondition, AuthzOperation, AuthzSource } from './policy.js';

/** A policy after validation: Istio's nesting flattened, empty lists dropped, action filled in. */
export interface CheckedPolicy {
  readonly name: string;
  readonly action: 'ALLOW' | 'DENY';
  readonly rules: readonly CheckedRule[];
}

export interface CheckedRule {
  readonly from: readonly AuthzSource[] | undefined;
  readonly to: readonly AuthzOperation[] | undefined;
  readonly when: readonly AuthzCondition[] | undefined;
}

const SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
const IP_FIELDS = new Set<string>(['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']);
const OPERATION_FIELDS = ['services', 'notServices', 'methods', 'notMethods'] as const;
const RULE_FIELDS = new Set(['from', 'to', 'when']);
const POLICY_FIELDS = new Set(['name', 'action', 'rules']);

/** The condition keys `when` accepts: fixed ones, and attachments by name. */
const CONDITION_KEYS = new Set(['source.principal', 'source.namespace', 'source.ip', 'remote.ip', 'destination.service']);
export const ATTACHMENT_KEY = /^request\.attachments\[([^\]]+)\]$/;

/**
 * Checks a whole policy set before it takes effect. Anything Meshlet would not enforce as
 * written — an unknown field or `when` key, a malformed pattern or CIDR, a duplicate name — is
 * an INVALID_ARGUMENT naming where it is, never a rule that silently matches nothing.
 */
export function checkPolicies(input: unknown): CheckedPolicy[] {
  if (!Array.isArray(input)) fail('policies', 'must be an array');
  const names = new Set<string>();
  return input.map((p: unknown, i) => {
    const at = `policies[${i}]`;
    const policy = objectWith(p, at, POLICY_FIELDS) as Partial<AuthorizationPolicy>;
    if (typeof policy.name !== 'string' || policy.name === '') fail(`${at}.name`, 'must be a non-empty string');
    if (names.has(policy.name)) fail(`${at}.name`, `"${policy.name}" is used twice`);
    names.add(policy.name);
    const action = policy.action ?? 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY') fail(`${at}.action`, 'must be ALLOW or DENY');
    const rules = policy.rules ?? [];
    if (!Array.isArray(rules)) fail(`${at}.rules`, 'must be an array');
    return { name: policy.name, action, rules: rules.map((r: unknown, j) => checkRule(r, `${at}.rules[${j}]`)) };
  });
}

function checkRule(input: unknown, at: string): CheckedRule {
  const rule = objectWith(input, at, RULE_FIELDS) as Record<string, unknown>;
  return {
    from: listOf(rule.from, `${at}.from`, (e, where) => fields(unwrap(e, 'source', where), where, SOURCE_FIELDS) as AuthzSource),
    to: listOf(rule.to, `${at}.to`, (e, where) => fields(unwrap(e, 'operation', where), where, OPERATION_FIELDS) as AuthzOperation),
    when: listOf(rule.when, `${at}.when`, checkCondition),
  };
}

function checkCondition(input: unknown, at: string): AuthzCondition {
  const c = objectWith(input, at, new Set(['key', 'values', 'notValues'])) as Record<string, unknown>;
  if (typeof c.key !== 'string' || !(CONDITION_KEYS.has(c.key) || ATTACHMENT_KEY.test(c.key))) {
    fail(`${at}.key`, `unknown key ${JSON.stringify(c.key)}; known: request.attachments[<name>], ${[...CONDITION_KEYS].join(', ')}`);
  }
  const values = patterns(c.values, `${at}.values`, false);
  const notValues = patterns(c.notValues, `${at}.notValues`, false);
  if (values === undefined && notValues === undefined) fail(at, 'needs values or notValues');
  return { key: c.key, values, notValues };
}

/** Accepts Istio's `{ source: {...} }` / `{ operation: {...} }` as well as the fields directly. */
function unwrap(entry: unknown, key: string, at: string): unknown {
  if (typeof entry === 'object' && entry !== null && key in entry) {
    objectWith(entry, at, new Set([key]));
    return (entry as Record<string, unknown>)[key];
  }
  return entry;
}

function fields(input: unknown, at: string, known: readonly string[]): Record<string, readonly string[]> {
  const o = objectWith(input, at, new Set(known)) as Record<string, unknown>;
  const out: Record<string, readonly string[]> = {};
  for (const f of known) {
    const list = patterns(o[f], `${at}.${f}`, IP_FIELDS.has(f));
    if (list !== undefined) out[f] = list;
  }
  return out;
}

/** A list of patterns (or CIDR blocks); an empty or missing list is "not set", as in Istio. */
function patterns(input: unknown, at: string, ip: boolean): readonly string[] | undefined {
  if (input === undefined) return undefined;
  if (!Array.isArray(input)) fail(at, 'must be an array of strings');
  input.forEach((v: unknown, i) => {
    const problem = ip ? checkIpBlock(v) : checkPattern(v);
    if (problem !== undefined) fail(`${at}[${i}]`, problem);
  });
  return input.length === 0 ? undefined : [...(input as string[])];
}

function listOf<T>(input: unknown, at: string, each: (e: unknown, at: string) => T): readonly T[] | undefined {
  if (input === undefined) return undefined;
  if (!Array.isArray(input)) fail(at, 'must be an array');
  return input.length === 0 ? undefined : input.map((e: unknown, i) => each(e, `${at}[${i}]`));
}

function objectWith(input: unknown, at: string, known: ReadonlySet<string>): object {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(at, 'must be an object');
  for (const k of Object.keys(input)) {
    if (!known.has(k)) fail(`${at}.${k}`, `unknown field; known: ${[...known].join(', ')}`);
  }
  return input;
}

function fail(at: string, problem: string): never {
  throw new RpcError(Code.InvalidArgument, `authorization policy ${at}: ${problem}`);
}
