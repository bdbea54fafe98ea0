import { Code, endpoint, RpcError, TLS_PARAM, type Endpoint, type EndpointListener, type Registration, type Registry, type ServiceKey, type TlsOptions } from '@meshlet/core';
import { endpointSet, registrationId, serviceId } from '../endpoint-set.js';
import { Subscriptions } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError } from '../validate.js';
import { agentRequest, refused, type AgentReply } from './http.js';
import type { AgentTarget } from './target.js';

/** Endpoint parameter that marks an agent's own endpoint (the sidecar balancer prefers it). */
export const AGENT_PARAM = 'meshlet.agent';

/** True for an endpoint an agent registry delivered (its local port), false for a provider's. */
export function isAgentEndpoint(e: Endpoint): boolean {
  return e.params[AGENT_PARAM] !== undefined;
}

/**
 * A registry that is a sidecar agent's HTTP API. `register` publishes through the agent (which
 * registers its own port in the real registry and forwards inbound calls to the app); `subscribe`
 * tells the agent, then delivers one endpoint per protocol the agent carries: the agent's local
 * port, where the app sends every call with the protocol's ordinary frames.
 *
 * It remembers what it registered and subscribed, so `resync` can replay everything to an agent
 * that restarted and forgot. Network failures reject with UNAVAILABLE (the registration is kept
 * for the next `resync`); an agent that answers "no" rejects with BAD_REQUEST.
 */
export abstract class AgentRegistry implements Registry {
  abstract readonly name: string;
  readonly target: AgentTarget;
  readonly #registered = new Map<string, Registration>();
  readonly #announced = new Map<string, ServiceKey>();
  readonly #subs = new Subscriptions();
  #closed = false;
  #stale = false;
  #tls: TlsOptions | undefined;
  /** The app has client TLS (whether or not the agent takes it). */
  #appTls = false;

  constructor(target: AgentTarget) {
    this.target = target;
  }

  /**
   * The client TLS of the app's calls. A TLS agent (`@meshlet/agent` with `tls`) takes the app's
   * frames, its API and its heartbeat on its TLS port, so all three go with the same options:
   * the agent's endpoints say `ssl-enabled=true` (the client pool dials them with TLS), the API
   * calls go over HTTPS and the health probe over TLS. The agent URL decides: `tls=false` keeps
   * all three plaintext (an agent without TLS beside an app that has certificates for its
   * providers), `tls=true` uses TLS; unsaid, Meshlet's agent (`meshlet://`) gets TLS and MOSN and
   * the motan-go agent (loopback, plaintext as deployed) do not. Set before the first use.
   */
  useTls(tls: TlsOptions | undefined): this {
    const said = this.target.params.tls;
    const wanted = said === undefined ? this.target.kind === 'meshlet' : said === 'true';
    this.#tls = wanted ? tls : undefined;
    this.#appTls = tls !== undefined;
    return this;
  }

  get tls(): TlsOptions | undefined {
    return this.#tls;
  }

  /** The registrations made through this registry and not withdrawn. */
  get registrations(): Registration[] {
    return [...this.#registered.values()];
  }

  /** The services subscribed through this registry. */
  get subscriptions(): ServiceKey[] {
    return [...this.#announced.values()];
  }

  /** True when a registration or subscription did not reach the agent since the last `resync`. */
  get stale(): boolean {
    return this.#stale;
  }

  /** Where app traffic for `service` goes: the agent's port, once per protocol it carries. */
  endpoints(_service: ServiceKey): readonly Endpoint[] {
    const mark: Record<string, string> = { [AGENT_PARAM]: this.target.kind };
    // An app with client TLS dials endpoints that say nothing over TLS (client-pool.ts): an
    // agent that does not take TLS must say so.
    if (this.#appTls) mark[TLS_PARAM] = this.#tls ? 'true' : 'false';
    return endpointSet(Object.entries(this.target.ports).map(([p, port]) => endpoint(p, this.target.host, port, mark)));
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    this.#registered.set(registrationId(r.service, r.endpoint), r);
    await this.#unlessUnreachable(this.publish(r));
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const r = checkRegistration(registration);
    const id = registrationId(r.service, r.endpoint);
    if (!this.#registered.delete(id)) return;
    await this.unpublish(r);
  }

  async subscribe(service: ServiceKey, listener: EndpointListener): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    const id = serviceId(key);
    const first = !this.#announced.has(id);
    this.#announced.set(id, key);
    const sub = this.#subs.add(key, listener);
    if (first) {
      try {
        await this.#unlessUnreachable(this.announce(key));
      } catch (err) {
        // An agent that is not there yet is the health check's business; one that says no is ours.
        if (!RpcError.is(err, Code.Unavailable)) {
          this.#subs.remove(sub);
          if (this.#subs.forService(key).length === 0) this.#announced.delete(id);
          throw err;
        }
      }
    }
    sub.offer(this.endpoints(key));
    return () => {
      if (!this.#subs.remove(sub) || this.#subs.forService(key).length > 0 || this.#closed) return;
      this.#announced.delete(id);
      this.withdraw(key).catch(() => {});
    };
  }

  /** Replays every registration and subscription (to an agent that restarted). Rejects with the first failure. */
  async resync(): Promise<void> {
    if (this.#closed) return;
    this.#stale = false;
    try {
      await this.prepare();
      for (const r of this.#registered.values()) await this.publish(r);
      for (const key of this.#announced.values()) await this.announce(key);
    } catch (err) {
      this.#stale = true;
      throw err;
    }
  }

  /** Marks the registry stale when the agent could not be reached, so the next health check replays. */
  async #unlessUnreachable(call: Promise<void>): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (RpcError.is(err, Code.Unavailable)) this.#stale = true;
      throw err;
    }
  }

  /** Withdraws every registration (best effort: the agent may be gone), then forgets everything. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const registered = [...this.#registered.values()];
    const announced = [...this.#announced.values()];
    this.#registered.clear();
    this.#announced.clear();
    this.#subs.clear();
    await Promise.allSettled([...registered.map((r) => this.unpublish(r)), ...announced.map((k) => this.withdraw(k))]);
  }

  /** Called before a resync replays anything (MOSN re-sends the application first). */
  protected async prepare(): Promise<void> {}
  protected abstract publish(r: Registration): Promise<void>;
  protected abstract unpublish(r: Registration): Promise<void>;
  protected abstract announce(key: ServiceKey): Promise<void>;
  protected abstract withdraw(key: ServiceKey): Promise<void>;

  /** POSTs `body` to the agent's API and returns the answer; network failures reject with UNAVAILABLE. */
  protected post(path: string, body: string, contentType = 'application/json'): Promise<AgentReply> {
    return agentRequest(this.target.host, this.target.httpPort, 'POST', path, body, contentType, this.target.httpTimeoutMs, this.#tls);
  }

  protected get(path: string): Promise<AgentReply> {
    return agentRequest(this.target.host, this.target.httpPort, 'GET', path, undefined, '', this.target.httpTimeoutMs, this.#tls);
  }

  protected refused(what: string, reply: AgentReply): RpcError {
    return refused(`${what} (${this.target.url})`, reply);
  }
}
