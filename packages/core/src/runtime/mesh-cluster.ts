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
  /** Settle handlers made once per cluster, so a call without retries costs one promise layer and no closure. */
  private readonly answered: (value: unknown) => unknown;
  private readonly failed: (err: unknown) => never;

  constructor(private readonly cluster: MeshCluster, directoryOf: ClusterDirectoryFactory) {
    this.maxRequests = cluster.limits?.maxRequests ?? MAX_REQUESTS;
    this.maxRetries = cluster.limits?.maxRetries ?? MAX_RETRIES;
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
    if (this.active >= this.maxRequests) {
      return Promise.reject(new RpcError(Code.ServerBusy, `cluster ${this.cluster.name} overflow: ${this.maxRequests} calls in flight (circuit breaker max_requests)`));
    }
    this.active++;
    if (retry === undefined || (retry.retries === 0 && retry.perTryTimeoutMs === undefined)) {
      let member: Member | Promise<Member>;
      try {
        member = this.directory.select(inv);
      } catch (err) {
        this.settled();
        return Promise.reject(err);
      }
      const sent = member instanceof Promise ? member.then((m) => attempt(this.directory, m, inv)) : attempt(this.directory, member, inv);
      return sent.then(this.answered, this.failed);
    }
    return this.retrying(inv, retry).then(this.answered, this.failed);
  }

  /** Attempts with Envoy's retry policy: another endpoint each time while one is left, jittered backoff between. */
  private async retrying(inv: Invocation, policy: MeshRetryPolicy): Promise<unknown> {
    let tried: Set<Member> | undefined;
    for (let n = 0; ; n++) {
      let error: RpcError;
      try {
        const member = await this.directory.select(inv, tried);
        (tried ??= new Set()).add(member);
        const perTry = policy.perTryTimeoutMs;
        const once = perTry === undefined || Date.now() + perTry >= inv.deadline ? inv : { ...inv, deadline: Date.now() + perTry };
        try {
          return await attempt(this.directory, member, once, n);
        } catch (err) {
          error = toRpcError(err);
          if (n >= policy.retries || !this.retryable(error, policy, inv, once)) throw error;
        }
      } finally {
        // A retry counts against max_retries from when it is decided until its attempt settles.
        if (n > 0) this.retries--;
      }
      if (this.retries >= this.maxRetries) throw error;
      this.retries++;
      const wait = Math.random() * Math.min(policy.backoffMaxMs, policy.backoffBaseMs * (2 ** (n + 1) - 1));
      if (Date.now() + wait >= inv.deadline) {
        this.retries--;
        throw error;
      }
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
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
