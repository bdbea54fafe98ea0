import { Code, RpcError, toRpcError } from '../errors.js';
import type { Invoker } from '../interceptor.js';
import type { Invocation } from '../invocation.js';
import { serviceKeyString } from '../service-key.js';
import type { ReferenceSnapshot } from './introspect.js';
import type { MeshCluster, MeshFault, MeshPolicy, MeshReference, MeshRoute } from './mesh-control.js';
import { MeshClusterState, type ClusterDirectoryFactory } from './mesh-cluster.js';

/**
 * One reference driven by a control plane: per call, one read of the live policy, its route
 * (precompiled by the control plane), the route's deadline cap and fault, then the chosen
 * cluster's state (directory, limits, retries). Cluster states are made when a route first sends
 * to a cluster object and retired, once their calls finish, when a new policy no longer names it.
 */
export class MeshInvoker {
  private readonly states = new Map<MeshCluster, MeshClusterState>();
  private readonly unlisten: () => void;
  private closed = false;
  /** Calls waiting for the first policy: rejected with SHUTDOWN if the runtime stops first. */
  private readonly waiting = new Set<(err: RpcError) => void>();
  /** The call path: a field holding an arrow, made once. */
  readonly invoke: Invoker;

  constructor(
    private readonly ref: MeshReference,
    private readonly directoryOf: ClusterDirectoryFactory,
    private readonly label: string,
  ) {
    this.unlisten = ref.onChange(() => this.retire(ref.policy));
    this.invoke = (inv) => {
      const policy = this.ref.policy;
      if (policy === undefined) return this.later(inv);
      try {
        return this.routed(policy, inv);
      } catch (err) {
        // A control plane's policy that throws fails the call, typed, never the caller's stack.
        return Promise.reject(toRpcError(err));
      }
    };
  }

  private routed(policy: MeshPolicy, inv: Invocation): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(Code.Shutdown, 'the runtime is stopped'));
    const route = policy.route(inv);
    if ('refusal' in route) return Promise.reject(new RpcError(route.refusal, route.message));
    const timeout = route.timeoutMs;
    if (timeout !== undefined) {
      // The invocation is this call's own (made per call by the proxy or the agent's relay): the
      // route caps its deadline in place rather than copying it.
      const capped = Date.now() + timeout;
      if (capped < inv.deadline) (inv as { deadline: number }).deadline = capped;
    }
    if (route.hashKey !== undefined) (inv as { hashKey?: string | undefined }).hashKey = route.hashKey(inv);
    const state = this.stateOf(pickTarget(route));
    if (route.fault !== undefined) return faulted(route.fault, state, route, inv);
    return state.call(inv, route.retry);
  }

  /** The first policy has not arrived: wait for it within the call's deadline. */
  private later(inv: Invocation): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(Code.Shutdown, 'the runtime is stopped'));
    return new Promise<MeshPolicy>((resolve, reject) => {
      const ms = Math.max(0, inv.deadline - Date.now());
      const fail = (err: RpcError) => {
        clearTimeout(timer);
        stop();
        this.waiting.delete(fail);
        reject(err);
      };
      const timer = setTimeout(() => fail(new RpcError(Code.Timeout, `no configuration from the control plane for ${this.label} within ${ms} ms`)), ms);
      const stop = this.ref.onChange(() => {
        const policy = this.ref.policy;
        if (policy === undefined) return;
        clearTimeout(timer);
        stop();
        this.waiting.delete(fail);
        resolve(policy);
      });
      this.waiting.add(fail);
    }).then((policy) => this.routed(policy, inv));
  }

  private stateOf(cluster: MeshCluster): MeshClusterState {
    let state = this.states.get(cluster);
    if (state === undefined) {
      state = new MeshClusterState(cluster, this.directoryOf);
      this.states.set(cluster, state);
    }
    return state;
  }

  /** Clusters the new policy does not name close once their last call settles. */
  private retire(policy: MeshPolicy | undefined): void {
    const kept = new Set(policy?.clusters ?? []);
    for (const [cluster, state] of this.states) {
      if (kept.has(cluster)) continue;
      this.states.delete(cluster);
      state.retire();
    }
  }

  snapshots(): ReferenceSnapshot[] {
    return [...this.states.values()].map((s) => s.snapshot());
  }

  close(): void {
    this.closed = true;
    for (const fail of [...this.waiting]) fail(new RpcError(Code.Shutdown, 'the runtime is stopped'));
    this.unlisten();
    for (const state of this.states.values()) state.close();
    this.states.clear();
    this.ref.close();
  }
}

function pickTarget(route: MeshRoute): MeshCluster {
  const targets = route.targets;
  if (targets.length === 1) return targets[0]!.cluster;
  let r = Math.random() * route.totalWeight;
  for (let i = 0; i < targets.length - 1; i++) {
    r -= targets[i]!.weight;
    if (r < 0) return targets[i]!.cluster;
  }
  return targets[targets.length - 1]!.cluster;
}

/** Envoy's fault filter: the delay first (bounded by the deadline), then the abort; faults are not retried. */
function faulted(fault: MeshFault, state: MeshClusterState, route: MeshRoute, inv: Invocation): Promise<unknown> {
  const delay = fault.delayShare > 0 && Math.random() < fault.delayShare ? fault.delayMs : 0;
  const abort = fault.abortShare > 0 && Math.random() < fault.abortShare;
  const fail = () => new RpcError(fault.abortCode, `fault injected by the control plane into ${serviceKeyString(inv.service)}.${inv.method.name}`);
  if (delay === 0) return abort ? Promise.reject(fail()) : state.call(inv, route.retry);
  const left = inv.deadline - Date.now();
  return new Promise<void>((resolve, reject) => {
    if (delay >= left) {
      setTimeout(() => reject(new RpcError(Code.Timeout, `call timed out after ${Math.max(0, left)} ms (a fault delay of ${delay} ms was injected)`)), Math.max(0, left));
    } else {
      setTimeout(resolve, delay);
    }
  }).then(() => (abort ? Promise.reject(fail()) : state.call(inv, route.retry)));
}
