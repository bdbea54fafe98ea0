import { EventEmitter } from 'node:events';
import {
  Code, RpcError, type Endpoint, type EndpointListener, type EndpointSetChooser, type Registration, type Registry, type ServiceKey,
} from '@meshlet/core';
import { endpointSet, registrationId } from '../endpoint-set.js';
import { Subscription } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError, invalidArgument } from '../validate.js';
import { isAgentEndpoint, type AgentRegistry } from './agent-registry.js';
import { HealthMonitor, probeOnce, type HeartbeatProbe, type HeartbeatProbes } from './health.js';

export interface FallbackOptions {
  /** The heartbeat the agent is checked with, or a lookup by protocol (`agent.target.probeProtocol` is asked for). */
  readonly probe: HeartbeatProbe | HeartbeatProbes;
  /** Between health checks, ms (the agent URL's `health`, 3000). */
  readonly intervalMs?: number;
  /** Per heartbeat, ms (the agent URL's `healthTimeout`, 1000). */
  readonly timeoutMs?: number;
  /** Quick re-checks before the agent counts as down (2). */
  readonly retries?: number;
  /**
   * While the agent is healthy, deliver the direct registry's endpoints too, beside the agent's
   * (which are marked: `isAgentEndpoint`). The runtime's endpoint-set stage (this registry as
   * `endpointSets`) then moves to them the moment the agent's connection fails, before the next
   * health check notices, so retried calls are not lost in between. Off by default: a runtime
   * without the stage would spread calls over both.
   */
  readonly standby?: boolean;
}

export type FallbackState = 'up' | 'down';

export interface FallbackEvents {
  state: [state: FallbackState, error: RpcError | undefined];
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

/** One subscriber: the last set from each side, and the de-duplicating delivery. */
interface Watch {
  readonly key: ServiceKey;
  readonly sub: Subscription;
  agentSet: readonly Endpoint[] | undefined;
  directSet: readonly Endpoint[] | undefined;
  stops: (() => void)[];
}

/**
 * Sidecar mode with a way out: the agent registry while the agent answers its protocol's
 * heartbeat, the direct registry while it does not, as Java motan's weibomesh registry does
 * (motan.md §3.5).
 *
 * - Subscribers get the agent's endpoint while it is healthy and the direct registry's set while
 *   it is not; with no direct registry, an empty set (calls fail fast; `unavailableError` says why).
 * - Registrations go through the agent; while it is down they are also made in the direct
 *   registry, and withdrawn from it once the agent is back and has them again.
 * - An agent that comes back is first re-sent every registration and subscription (it may have
 *   restarted and forgotten them), then routed to again.
 * - It is also the runtime's endpoint-set stage (`EndpointSetChooser`, core's `endpointSets`
 *   option): the agent's endpoint is the proxy's, used as it is; calls wait for the first health
 *   check, and fail at once while the agent is down with nothing to fall back to.
 */
export class FallbackRegistry extends EventEmitter<FallbackEvents> implements Registry, EndpointSetChooser {
  readonly name: string;
  readonly agent: AgentRegistry;
  readonly direct: Registry | undefined;
  readonly #monitor: HealthMonitor;
  readonly #standby: boolean;
  readonly #watches = new Set<Watch>();
  /** Registrations made in the direct registry while the agent was down. */
  readonly #directRegistered = new Map<string, Registration>();
  #state: FallbackState | undefined;
  #started: Promise<void> | undefined;
  /** Transitions run one after another, in the order the monitor decided them. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(agent: AgentRegistry, direct: Registry | undefined, options: FallbackOptions) {
    super();
    this.agent = agent;
    this.direct = direct;
    this.name = `${agent.name}+fallback`;
    this.#standby = options.standby ?? false;
    const t = agent.target;
    const probe = typeof options.probe === 'function' ? options.probe(t.probeProtocol) : options.probe;
    if (probe === undefined) throw invalidArgument(`no ${t.probeProtocol} heartbeat to health-check ${t.url} with`);
    const port = t.ports[probe.protocol] ?? t.port;
    const timeoutMs = options.timeoutMs ?? t.healthTimeoutMs;
    this.#monitor = new HealthMonitor(async () => {
      await probeOnce(t.host, port, probe, timeoutMs, this.agent.tls);
      const up = this.#monitor.up === true;
      // Not known to be up, or something did not reach it: replay everything before relying on it.
      if (!up || this.agent.stale) await this.agent.resync();
      // Up all along, but a registration had to be made directly meanwhile: the agent has it now.
      if (up && this.#directRegistered.size > 0) this.#enqueue(() => this.#withdrawDirect());
    }, { intervalMs: options.intervalMs ?? t.healthIntervalMs, retries: options.retries });
    this.#monitor.on('change', (up, error) => this.#enqueue(() => (up ? this.#toAgent() : this.#toDirect(error))));
  }

  /** `up` while calls go through the agent; undefined before the first health check. */
  get state(): FallbackState | undefined {
    return this.#state;
  }

  /** Why the agent last failed its health check. */
  get lastError(): RpcError | undefined {
    return this.#monitor.lastError;
  }

  /** Runs the first health check (once) and waits until its verdict is applied. */
  async ready(): Promise<void> {
    this.#started ??= this.#monitor.start().then(() => this.#queue);
    await this.#started;
    await this.#queue;
  }

  /** Checks the agent now; resolves once any resulting switch is done. */
  async checkNow(): Promise<FallbackState | undefined> {
    await this.ready();
    await this.#monitor.checkNow();
    await this.#queue;
    return this.#state;
  }

  /** The error calls get while the agent is down and there is nothing to fall back to. */
  unavailableError(): RpcError {
    const why = this.lastError?.message ?? 'it failed its health check';
    return new RpcError(Code.Unavailable,
      `the sidecar agent ${this.agent.target.url} is unreachable (${why}), and no registry is configured to fall back to ` +
      '(set MESHLET_REGISTRY or the registry option for a direct fallback)', { cause: this.lastError });
  }

  /** The endpoint-set stage: the agent's endpoint (marked by the agent registry) is the proxy's. */
  isProxy(endpoint: Endpoint): boolean {
    return isAgentEndpoint(endpoint);
  }

  /**
   * The endpoint-set stage, before each call: on while there is a direct registry or the agent is
   * up; the unavailable error while it is down with nothing to fall back to; before the first
   * health check, wait for its verdict.
   */
  admit(): RpcError | Promise<void> | undefined {
    if (this.direct !== undefined || this.#state === 'up') return undefined;
    if (this.#state === 'down') return this.unavailableError();
    return this.ready().then(() => {
      if (this.#state === 'down') throw this.unavailableError();
    });
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    await this.ready();
    let agentError: RpcError | undefined;
    try {
      // The agent registry keeps it even when the agent is not there: the next resync sends it.
      await this.agent.register(r);
    } catch (err) {
      if (!RpcError.is(err, Code.Unavailable)) throw err;
      agentError = err;
    }
    if (agentError === undefined && this.#state === 'up') return;
    if (agentError !== undefined && this.#state === 'up') void this.#monitor.checkNow();
    await this.#registerDirect(r);
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const r = checkRegistration(registration);
    const id = registrationId(r.service, r.endpoint);
    const direct = this.#directRegistered.get(id);
    this.#directRegistered.delete(id);
    await Promise.allSettled([this.agent.unregister(r), direct && this.direct ? this.direct.unregister(direct) : undefined]);
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    await this.ready();
    const w: Watch = { key, sub: new Subscription(key, listener), agentSet: undefined, directSet: undefined, stops: [] };
    this.#watches.add(w);
    const stop = () => {
      this.#watches.delete(w);
      w.sub.cancel();
      for (const s of w.stops) s();
      w.stops = [];
    };
    try {
      w.stops.push(await this.agent.subscribe(key, (eps) => {
        w.agentSet = eps;
        this.#deliver(w);
      }));
      if (this.direct) {
        const direct = this.direct.subscribe(key, (eps) => {
          w.directSet = eps;
          this.#deliver(w);
        });
        const keep = (unsubscribe: () => void) => (this.#watches.has(w) ? w.stops.push(unsubscribe) : unsubscribe());
        // Down: the direct set is the set, so wait for it. Up: it is only a standby; do not hold the caller.
        if (this.#state === 'down') keep(await direct);
        else direct.then(keep, (err: unknown) => warn(`direct registry subscription for ${key.interface} failed`, err));
      }
    } catch (err) {
      stop();
      throw err;
    }
    this.#deliver(w);
    return stop;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#monitor.stop();
    for (const w of [...this.#watches]) {
      w.sub.cancel();
      for (const s of w.stops) s();
    }
    this.#watches.clear();
    await this.#queue;
    await Promise.allSettled([this.agent.close(), this.direct?.close()]);
  }

  /** Runs `step` after the switches before it; a failed one is reported and does not block the next. */
  #enqueue(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(step).catch((err: unknown) => warn('switching between the agent and the direct registry failed', err));
  }

  #deliver(w: Watch): void {
    let set: readonly Endpoint[] | undefined;
    if (this.#state === 'up') {
      set = this.#standby && w.directSet !== undefined && w.agentSet !== undefined ? endpointSet([...w.agentSet, ...w.directSet]) : w.agentSet;
    } else {
      set = this.direct ? w.directSet : EMPTY;
    }
    if (set !== undefined) w.sub.offer(set);
  }

  async #toAgent(): Promise<void> {
    if (this.#closed) return;
    this.#state = 'up';
    for (const w of this.#watches) this.#deliver(w);
    await this.#withdrawDirect();
    this.emit('state', 'up', undefined);
  }

  /** The agent has every registration again (a resync ran): the direct copies can go. */
  async #withdrawDirect(): Promise<void> {
    if (this.#closed || this.#state !== 'up') return;
    const direct = [...this.#directRegistered.values()];
    this.#directRegistered.clear();
    if (this.direct) await Promise.allSettled(direct.map((r) => this.direct!.unregister(r)));
  }

  async #toDirect(error: RpcError | undefined): Promise<void> {
    if (this.#closed) return;
    this.#state = 'down';
    // Register first, so consumers that fall back too find this process's services directly.
    await Promise.allSettled(this.agent.registrations.map((r) => this.#registerDirect(r)));
    for (const w of this.#watches) this.#deliver(w);
    this.emit('state', 'down', error);
  }

  async #registerDirect(r: Registration): Promise<void> {
    if (!this.direct) {
      warn(`the sidecar agent ${this.agent.target.url} is unreachable; ${r.service.interface} is registered once it is back (no direct registry configured)`);
      return;
    }
    await this.direct.register(r);
    this.#directRegistered.set(registrationId(r.service, r.endpoint), r);
  }
}

/** `withFallback(agentRegistry, directRegistry?, { probe })`. */
export function withFallback(agent: AgentRegistry, direct: Registry | undefined, options: FallbackOptions): FallbackRegistry {
  return new FallbackRegistry(agent, direct, options);
}

function warn(message: string, err?: unknown): void {
  const detail = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
  process.emitWarning(detail ? `${message}: ${detail}` : message, { type: 'MeshletSidecarWarning', code: 'MESHLET_SIDECAR' });
}
