// Authorization of calls by the caller's identity, with Istio AuthorizationPolicy semantics.
export { createAuthorizer, type Authorizer } from './authorizer.js';
export type { AuthorizationPolicy, AuthzCondition, AuthzDecision, AuthzOperation, AuthzRule, AuthzSource } from './policy.js';
