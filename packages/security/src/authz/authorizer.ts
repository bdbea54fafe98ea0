import { Code, RpcError, type Interceptor, type Invocation } from '@meshlet/core';
import { authzDenied } from '@meshlet/core/telemetry';
import { compilePolicy, type Predicate } from './compile.js';
import { CallFacts } from './facts.js';
import type { AuthorizationPolicy, AuthzDecision } from './policy.js';
import { checkPolicies } from './validate.js';

/** Policies checked and compiled by one `set`: what every call is checked against until the next. */
interface Compiled {
  readonly policies: readonly AuthorizationPolicy[];
  readonly deny: readonly (readonly [name: string, matches: Predicate])[];
  readonly allow: readonly (readonly [name: string, matches: Predicate])[];
}

/**
 * Authorization of calls by Istio's AuthorizationPolicy rules, for a provider. `interceptor` goes
 * into the runtime's `serverInterceptors`; `set` replaces the policies while calls run (the next
 * call sees them; connections stay up).
 */
export interface Authorizer {
  /** Validates and compiles `policies`, then uses them; an invalid set throws INVALID_ARGUMENT and the old one stays. */
  set(policies: readonly AuthorizationPolicy[]): void;
  /** The policies in force, as last set. */
  readonly policies: readonly AuthorizationPolicy[];
  /** The decision for one server-side call. */
  check(invocation: Invocation): AuthzDecision;
  /**
   * A server interceptor refusing calls the policies do not allow with PERMISSION_DENIED, before
   * the method runs. The caller's error says `RBAC: access denied` (Envoy's words) and names
   * the method; which policy decided goes to telemetry (`meshlet.authz.denied`), not to the caller.
   */
  readonly interceptor: Interceptor;
}

const NO_POLICIES: AuthzDecision = { allowed: true, reason: 'no authorization policies' };
const NO_ALLOW: AuthzDecision = { allowed: true, reason: 'no DENY policy matched and there are no ALLOW policies' };
const NOTHING_ALLOWS: AuthzDecision = { allowed: false, reason: 'no ALLOW policy matched' };

export function createAuthorizer(policies: readonly AuthorizationPolicy[] = []): Authorizer {
  let compiled = compile(policies);
  // Decisions per policy made once, so a check allocates only the call's facts.
  let decisions = decisionsOf(compiled);

  const check = (inv: Invocation): AuthzDecision => {
    const c = compiled;
    if (c.deny.length === 0 && c.allow.length === 0) return NO_POLICIES;
    const facts = new CallFacts(inv);
    for (const [name, matches] of c.deny) if (matches(facts)) return decisions.get(name)!;
    if (c.allow.length === 0) return NO_ALLOW;
    for (const [name, matches] of c.allow) if (matches(facts)) return decisions.get(name)!;
    return NOTHING_ALLOWS;
  };

  const interceptor: Interceptor = (next) => (inv) => {
    // The common cases first: nothing configured, or allowed. Only a refusal builds an error.
    if (compiled.deny.length === 0 && compiled.allow.length === 0) return next(inv);
    const decision = check(inv);
    if (decision.allowed) return next(inv);
    authzDenied(inv.service.interface, inv.method.name, decision.policy ?? '');
    return Promise.reject(new RpcError(Code.PermissionDenied, `RBAC: access denied: ${inv.service.interface}.${inv.method.name}`));
  };

  return {
    set(next) {
      const c = compile(next); // throws before anything changes
      compiled = c;
      decisions = decisionsOf(c);
    },
    get policies() {
      return compiled.policies;
    },
    check,
    interceptor,
  };
}

function compile(policies: readonly AuthorizationPolicy[]): Compiled {
  const checked = checkPolicies(policies);
  const deny = checked.filter((p) => p.action === 'DENY').map((p) => [p.name, compilePolicy(p)] as const);
  const allow = checked.filter((p) => p.action === 'ALLOW').map((p) => [p.name, compilePolicy(p)] as const);
  // A frozen copy: a caller editing its array after `set` changes nothing in force.
  return { policies: Object.freeze(structuredClone([...policies])), deny, allow };
}

function decisionsOf(c: Compiled): Map<string, AuthzDecision> {
  const out = new Map<string, AuthzDecision>();
  for (const [name] of c.deny) out.set(name, { allowed: false, policy: name, reason: `DENY policy ${name} matched` });
  for (const [name] of c.allow) out.set(name, { allowed: true, policy: name, reason: `ALLOW policy ${name} matched` });
  return out;
}
