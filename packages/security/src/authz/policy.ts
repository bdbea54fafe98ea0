// The policy model: Istio's AuthorizationPolicy (security.istio.io/v1) for RPC calls. Field names
// and meanings are Istio's, so a policy written for a mesh reads the same here; what an HTTP
// request has (hosts, paths, headers) becomes what an RPC call has (service, method, attachments).

/** Who makes the call (Istio's `Source`). Every field present must match; within a field, any value. */
export interface AuthzSource {
  /**
   * The caller's SPIFFE ID, with or without `spiffe://` (`cluster.local/ns/default/sa/sleep`, as
   * Istio writes it), or its certificate subject (`CN=orders,O=Acme`).
   */
  readonly principals?: readonly string[] | undefined;
  readonly notPrincipals?: readonly string[] | undefined;
  /** The namespace in the caller's SPIFFE ID (`…/ns/<namespace>/sa/…`). */
  readonly namespaces?: readonly string[] | undefined;
  readonly notNamespaces?: readonly string[] | undefined;
  /** The connection's peer address: IPs or CIDR blocks (`10.0.0.0/8`, `::1`). */
  readonly ipBlocks?: readonly string[] | undefined;
  readonly notIpBlocks?: readonly string[] | undefined;
  /**
   * The original caller's address: the first `x-forwarded-for` attachment entry (set by a proxy
   * such as motan-go's agent), else the peer address.
   */
  readonly remoteIpBlocks?: readonly string[] | undefined;
  readonly notRemoteIpBlocks?: readonly string[] | undefined;
}

/** What is called (Istio's `Operation`). */
export interface AuthzOperation {
  /**
   * The Java interface (`com.acme.Orders`); a value with `:` or `/` matches the service key
   * as Dubbo writes it instead, `group/interface:version` (`com.acme.Orders:1.0`, `blue/com.acme.Orders:1.0`).
   */
  readonly services?: readonly string[] | undefined;
  readonly notServices?: readonly string[] | undefined;
  /** The method name as the wire carries it (the Java name). */
  readonly methods?: readonly string[] | undefined;
  readonly notMethods?: readonly string[] | undefined;
}

/**
 * An extra condition (Istio's `Condition`). Keys: `request.attachments[<name>]` (Istio's
 * `request.headers[<name>]`), `source.principal`, `source.namespace`, `source.ip`,
 * `remote.ip`, `destination.service`. An unknown key is refused when the policy is set.
 */
export interface AuthzCondition {
  readonly key: string;
  readonly values?: readonly string[] | undefined;
  readonly notValues?: readonly string[] | undefined;
}

/**
 * One rule: `from`, `to` and `when` must all match (a missing one matches everything); within
 * each, any entry. A rule with no fields matches every call. Entries may also be written in
 * Istio's nesting, `{ source: {...} }` and `{ operation: {...} }`, so YAML from a mesh pastes in.
 */
export interface AuthzRule {
  readonly from?: readonly (AuthzSource | { readonly source: AuthzSource })[] | undefined;
  readonly to?: readonly (AuthzOperation | { readonly operation: AuthzOperation })[] | undefined;
  readonly when?: readonly AuthzCondition[] | undefined;
}

/**
 * A policy: any matching DENY policy refuses the call; otherwise, when there are ALLOW policies,
 * the call must match one of them. An ALLOW policy with no rules matches nothing (Istio: it
 * denies everything); one rule `{}` matches everything.
 */
export interface AuthorizationPolicy {
  readonly name: string;
  /** ALLOW by default, as in Istio. */
  readonly action?: 'ALLOW' | 'DENY' | undefined;
  readonly rules?: readonly AuthzRule[] | undefined;
}

/** The outcome of one check. */
export interface AuthzDecision {
  readonly allowed: boolean;
  /** The policy that decided: the DENY that matched, or the ALLOW that let the call through. */
  readonly policy?: string | undefined;
  /** Why, in words for a log line or an error message. */
  readonly reason: string;
}
