import type { Endpoint } from '../endpoint.js';
import { Code, RpcError, toRpcError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { Registry } from '../registry.js';
import { attempt } from './cluster.js';
import type { Directory } from './directory.js';
import type { ReferenceSnapshot } from './introspect.js';
import type { Member } from './member.js';
import type { MeshCluster, MeshRetryPolicy } from './mesh-control.js';

/** Makes the directory of one cluster over the given endpoint source (the runtime's pool, balancer and breakers). */
export type ClusterDirectoryFactory = (cluster: MeshCluster, source: Registry) => Directory;

/** One attempt's invocation: the call's own, or a copy with the per-try deadline when that is sooner. */
function perTry(inv: Invocation, policy: MeshRetryPolicy): Invocation {
  const ms = policy.perTryTimeoutMs;
  if (ms === undefined) return inv;
  const deadline = Date.now() + ms;
  return deadline >= inv.deadline ? inv : { ...inv, deadline };
}

/** Envoy's defaults when a cluster sets no thresholds. */
const MAX_REQUESTS = 1024;
const MAX_RETRIES = 3;

/**
 * What the runtime keeps per control-plane cluster: the directory over its endpoints (the same
 * Directory a registry feeds: members, pooled clients, balancer, breakers), its circuit-breaker
 * counters, and the attempts of calls routed to it.
 */
export class MeshClusterState {
  private readonly directory: Directory;
  private unsubscribe: (() => void) | undefined;
  private active = 0;
  private retries = 0;
  private retired = false;
  private readonly maxRequests: number;
  private readonly maxRetries: number;
  private readonly budget: { readonly percent: number; readonly minConcurrency: number } | undefined;
  /** Settle handlers made once per cluster, so a call without retries costs one promise layer and no closure. */
  private readonly answered: (value: unknown) => unknown;
  private readonly failed: (err: unknown) => never;

  constructor(private readonly cluster: MeshCluster, directoryOf: ClusterDirectoryFactory) {
    this.maxRequests = cluster.limits?.maxRequests ?? MAX_REQUESTS;
    this.maxRetries = cluster.limits?.maxRetries ?? MAX_RETRIES;
    this.budget = cluster.limits?.retryBudget;
    this.directory = directoryOf(cluster, this.source());
    this.answered = (value) => {
      this.settled();
      return value;
    };
    this.failed = (err) => {
      this.settled();
      throw err;
    };
  }

  /** The cluster's endpoints as a registry subscription (what Directory reads), resolved at the first set. */
  private source(): Registry {
    const refuse = () => Promise.reject(new RpcError(Code.InvalidArgument, `cluster ${this.cluster.name} is a control plane's: nothing registers there`));
    return {
      name: `mesh:${this.cluster.name}`,
      register: refuse,
      unregister: refuse,
      close: async () => {},
      subscribe: (_service, listener) => new Promise<() => void>((resolve) => {
        let first = true;
        this.unsubscribe = this.cluster.subscribe((endpoints: readonly Endpoint[]) => {
          listener(endpoints);
          if (first) {
            first = false;
            resolve(() => this.unsubscribe?.());
          }
        });
      }),
    };
  }

  /** One call: refused unsent over max_requests (Envoy's overflow), else attempts under `retry`. */
  call(inv: Invocation, retry: MeshRetryPolicy | undefined): Promise<unknown> {
    if (this.cluster.unavailable !== undefined) return Promise.reject(new RpcError(Code.Unavailable, this.cluster.unavailable));
    if (this.active >= this.maxRequests) {
      return Promise.reject(new RpcError(Code.ServerBusy, `cluster ${this.cluster.name} overflow: ${this.maxRequests} calls in flight (circuit breaker max_requests)`));
    }
    this.active++;
    let member: Member | Promise<Member>;
    try {
      member = this.directory.select(inv);
    } catch (err) {
      this.settled();
      return Promise.reject(err);
    }
    if (retry === undefined || (retry.retries === 0 && retry.perTryTimeoutMs === undefined)) {
      const sent = member instanceof Promise ? member.then((m) => attempt(this.directory, m, inv)) : attempt(this.directory, member, inv);
      return sent.then(this.answered, this.failed);
    }
    // The first attempt as cheaply as without retries; the retry loop only once it failed.
    const first = (m: Member): Promise<unknown> => {
      const once = perTry(inv, retry);
      inv.peer = m.peer; // the call's own record names the endpoint even when the attempt is a copy
      return attempt(this.directory, m, once, 0).catch((err: unknown) => this.retrying(inv, retry, m, once, toRpcError(err)));
    };
    return (member instanceof Promise ? member.then(first) : first(member)).then(this.answered, this.failed);
  }

  /**
   * After a failed first attempt: Envoy's retry policy. Another endpoint each time while one is
   * left, fully jittered backoff between, each retry counted against max_retries from when it is
   * decided until its attempt settles.
   */
  private async retrying(inv: Invocation, policy: MeshRetryPolicy, firstMember: Member, firstTry: Invocation, firstError: RpcError): Promise<unknown> {
    const tried = new Set<Member>([firstMember]);
    let error = firstError;
    let once = firstTry;
    for (let n = 1; ; n++) {
      if (n > policy.retries || !this.retryable(error, policy, inv, once)) throw error;
      if (this.retries >= this.retryLimit()) throw error;
      const wait = Math.random() * Math.min(policy.backoffMaxMs, policy.backoffBaseMs * (2 ** n - 1));
      if (Date.now() + wait >= inv.deadline) throw error;
      this.retries++;
      try {
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const member = await this.directory.select(inv, tried);
        tried.add(member);
        inv.peer = member.peer;
        once = perTry(inv, policy);
        return await attempt(this.directory, member, once, n);
      } catch (err) {
        error = toRpcError(err);
      } finally {
        this.retries--;
      }
    }
  }

  /** Retries allowed in flight now: max_retries, or the retry budget's share of the calls in flight. */
  private retryLimit(): number {
    const b = this.budget;
    return b === undefined ? this.maxRetries : Math.max(b.minConcurrency, (this.active * b.percent) / 100);
  }

  private retryable(error: RpcError, policy: MeshRetryPolicy, inv: Invocation, once: Invocation): boolean {
    const now = Date.now();
    if (now >= inv.deadline) return false;
    // The caller's own cancel is never the cluster's failure.
    if (error.code === Code.Cancelled && inv.signal?.aborted) return false;
    if (error.code === Code.Timeout && once !== inv) return policy.perTryTimeoutRetried === true || policy.on.has(Code.Timeout);
    return policy.on.has(error.code);
  }

  private settled(): void {
    if (--this.active === 0 && this.retired) this.close();
  }

  /** No policy names this cluster any more: close once its calls have settled. */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.close();
  }

  snapshot(): ReferenceSnapshot {
    const s = this.directory.snapshot();
    return { ...s, service: `${s.service} cluster=${this.cluster.name}` };
  }

  close(): void {
    this.directory.close();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
