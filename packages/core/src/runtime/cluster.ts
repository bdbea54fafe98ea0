import { Code, RpcError, toRpcError } from '../errors.js';
import type { Invoker } from '../interceptor.js';
import type { Invocation } from '../invocation.js';
import type { Directory } from './directory.js';
import type { Member } from './member.js';
import type { RetryBudget } from './retry-budget.js';
import { isDeadEndpoint } from './client-pool.js';
import { clientAttempt, telemetryActive } from '../telemetry/tracing.js';

/**
 * How a call treats failures (Dubbo's cluster strategies):
 * - `failover`: try another endpoint, but only when the method is idempotent or the request
 *   provably never reached a provider;
 * - `failfast`: one attempt;
 * - `failsafe`: failures resolve to `undefined` (for calls whose result nobody needs);
 * - `forking`: the same call to several endpoints at once, the first success wins (idempotent
 *   methods only: it multiplies load).
 */
export type ClusterStrategy = 'failover' | 'failfast' | 'failsafe' | 'forking';

export interface ClusterOptions {
  readonly strategy: ClusterStrategy;
  /** Extra attempts for `failover` (2, as Dubbo). */
  readonly retries: number;
  /** Parallel attempts for `forking` (2). */
  readonly forks: number;
  readonly budget: RetryBudget;
}

/**
 * Failures after which no provider has run the request: safe to send elsewhere. A provider that
 * does not have the service or method ran nothing either; a stopping Java Dubbo provider answers
 * so between unexporting its services and sending its read-only event (2.7.23: "Not found exported
 * service", 50 of 330k calls at 128 in flight in test/fleet's two-provider stop).
 */
const NEVER_SENT = new Set<string>([Code.Unavailable, Code.ServerBusy, Code.Shutdown, Code.ServiceNotFound, Code.MethodNotFound]);

export function retryable(err: RpcError, idempotent: boolean): boolean {
  if (err.code === Code.Business || err.code === Code.Cancelled || err.code === Code.Serialization || err.code === Code.Timeout) return false;
  return NEVER_SENT.has(err.code) || (idempotent && (err.code === Code.ConnectionClosed || err.code === Code.ServerError));
}

export function clusterInvoker(directory: Directory, options: ClusterOptions): Invoker {
  const once: Invoker = (inv) => {
    let member: Member | Promise<Member>;
    try {
      member = directory.select(inv);
    } catch (err) {
      return Promise.reject(err);
    }
    if (member instanceof Promise) return member.then((m) => attempt(directory, m, inv));
    return attempt(directory, member, inv);
  };
  switch (options.strategy) {
    case 'failfast':
      return once;
    case 'failsafe':
      return (inv) => once(inv).catch(() => undefined);
    case 'forking':
      return (inv) => forking(directory, options, inv);
    case 'failover': {
      const first = (member: Member, inv: Invocation) =>
        attempt(directory, member, inv).catch((err: unknown) => failover(directory, options, inv, toRpcError(err), member));
      return (inv) => {
        options.budget.deposit();
        let member: Member | Promise<Member>;
        try {
          member = directory.select(inv);
        } catch (err) {
          return Promise.reject(err);
        }
        if (member instanceof Promise) return member.then((m) => first(m, inv));
        return first(member, inv);
      };
    }
  }
}

/** One attempt: its own CLIENT span, its own trace context in the attachments (also the control plane's clusters', mesh-cluster.ts). */
export function attempt(directory: Directory, member: Member, inv: Invocation, n = 0): Promise<unknown> {
  inv.peer = member.peer;
  if (!telemetryActive()) return directory.send(member, inv);
  return clientAttempt(inv, member.endpoint, n, () => directory.send(member, inv));
}

/**
 * A retry that costs the fleet nothing extra, so it draws nothing from the retry budget: the
 * attempt failed because its endpoint is gone (refused, reset, closed; now ejected), not because a
 * live provider was overloaded. The budget exists to stop retries multiplying an overload; a dead
 * provider does no work, and its calls moving elsewhere is the load the others would have had
 * anyway. Bounded still by `retries` and the deadline.
 */
function requeue(error: RpcError, member: Member): boolean {
  return (isDeadEndpoint(error) && !member.client.available) || notHere(error);
}

/**
 * The provider answered that it has no such service or method: it ran nothing and refused
 * cheaply, so resending elsewhere costs nothing extra either (a stopping Java Dubbo provider
 * answers so to every call that reaches it between unexporting and its read-only event: ~128 at
 * 128 in flight, more than the budget holds). Only another provider can answer differently.
 */
function notHere(error: RpcError): boolean {
  return error.code === Code.ServiceNotFound || error.code === Code.MethodNotFound;
}

/** The slow path, entered only after a first failure. */
async function failover(directory: Directory, options: ClusterOptions, inv: Invocation, first: RpcError, firstMember: Member): Promise<unknown> {
  let error = first;
  let last = firstMember;
  const tried = new Set<Member>([firstMember]);
  for (let n = 1; n <= options.retries; n++) {
    if (!retryable(error, inv.method.idempotent) || Date.now() >= inv.deadline) break;
    const dead = requeue(error, last);
    if (!dead && !options.budget.tryWithdraw()) break;
    const member = await directory.select(inv, tried);
    if (notHere(error) && tried.has(member)) break;
    // Free only toward a live endpoint not tried yet: when every one is gone, retries would just
    // spin through refusals, and the budget bounds them as before.
    if (dead && (tried.has(member) || !member.client.available) && !options.budget.tryWithdraw()) break;
    tried.add(member);
    last = member;
    try {
      return await attempt(directory, member, inv, n);
    } catch (err) {
      error = toRpcError(err);
    }
  }
  throw error;
}

async function forking(directory: Directory, options: ClusterOptions, inv: Invocation): Promise<unknown> {
  if (!inv.method.idempotent) {
    throw new RpcError(Code.InvalidArgument, `forking cluster needs an idempotent method; ${inv.method.name} is not declared idempotent`);
  }
  const chosen = new Set<Member>();
  const n = Math.min(options.forks, Math.max(1, directory.size));
  for (let i = 0; i < n; i++) chosen.add(await directory.select(inv, chosen));
  return Promise.any([...chosen].map((m) => attempt(directory, m, inv))).catch((agg: AggregateError) => {
    throw toRpcError(agg.errors[0]);
  });
}
