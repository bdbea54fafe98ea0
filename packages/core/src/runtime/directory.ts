import { endpointAddress, type Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { EndpointBreakers } from '../breakers.js';
import type { Invocation } from '../invocation.js';
import type { EndpointSetChooser, LoadBalancer } from '../load-balancer.js';
import type { Registry, Subscriber } from '../registry.js';
import { serviceKeyString, type ServiceKey } from '../service-key.js';
import type { ClientPool } from './client-pool.js';
import type { TlsOptions } from '../transport-options.js';
import { PooledMember, ProxyMember, type Member } from './member.js';
import type { Router } from './router.js';
import { registryChanged } from '../telemetry/metrics.js';
import type { ReferenceSnapshot } from './introspect.js';

/** How often a list with unavailable members looks again whether they came back, ms. */
const SIDELINE_RECHECK_MS = 50;

interface UsableList {
  epoch: number;
  version: number;
  /** The usable members the balancer chooses from (the direct ones). */
  out: readonly Member[];
  /** Sidecar mode: the proxy's member when it is usable (then `out` is only the standby). */
  proxy: Member | undefined;
  sidelined: number;
  recheckAt: number;
}

/**
 * The live endpoint set of one referred service, fed by a registry subscription (or a fixed
 * list), each endpoint with its pooled client. Picks a member per call through the balancer.
 *
 * With an `EndpointSetChooser` (sidecar mode), the members the chooser calls the proxy's are kept
 * apart: one is used whenever usable, as it is; the balancer and breakers only see the others.
 */
export class Directory {
  private members: PooledMember[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly first: Promise<void>;
  private firstDone = false;
  /** Everything the source listed last, any protocol (what the admin view calls registry contents). */
  private listed: readonly Endpoint[] = [];
  /** Usable members per routed list; `epoch` moves whenever the member set does. */
  private usableCache = new WeakMap<readonly Member[], UsableList>();
  private epoch = 0;
  /** Members that are the proxy's endpoint (sidecar mode); 0 without a chooser. */
  private proxies = 0;
  /** The endpoints are a direct `url` the app wrote, not a registry's (the pool's TLS choice). */
  private readonly direct: boolean;

  constructor(
    private readonly service: ServiceKey,
    private readonly protocol: string,
    private readonly pool: ClientPool,
    private readonly balancer: LoadBalancer,
    private readonly router: Router,
    source: { registry: Registry; subscriber?: Subscriber } | { endpoints: readonly Endpoint[] },
    private readonly breakers?: EndpointBreakers,
    private readonly sets?: EndpointSetChooser,
    /** The reference's own `connections` per address (else the endpoint's or the runtime's). */
    private readonly connections?: number,
    /** A control plane's TLS for these endpoints (`MeshCluster.tls`), over the runtime's client TLS. */
    private readonly tls?: TlsOptions | false,
  ) {
    this.direct = 'endpoints' in source;
    if ('endpoints' in source) {
      this.update(source.endpoints);
      this.first = Promise.resolve();
    } else {
      this.first = source.registry.subscribe(service, (eps) => {
        registryChanged(serviceKeyString(service));
        this.update(eps);
      }, source.subscriber).then((unsub) => {
        this.unsubscribe = unsub;
      });
    }
    this.first.then(() => (this.firstDone = true), () => {});
  }

  /**
   * Waits for the first endpoint set (bounded by the call's deadline), then picks, avoiding the
   * members in `exclude` (those a retry already tried) while others remain.
   */
  select(inv: Invocation, exclude?: ReadonlySet<Member>): Member | Promise<Member> {
    if (this.firstDone) return this.pick(inv, exclude);
    return this.waitFirst(inv.deadline).then(() => this.pick(inv, exclude));
  }

  /** How many endpoints there are now. */
  get size(): number {
    return this.members.length;
  }

  private pick(inv: Invocation, exclude: ReadonlySet<Member> | undefined): Member {
    let members: readonly Member[] = this.members;
    if (exclude !== undefined && exclude.size > 0) {
      const rest = members.filter((m) => !exclude.has(m));
      if (rest.length > 0) members = rest;
    }
    if (members.length === 0) throw this.noProvider();
    members = this.router(members, inv);
    if (members.length === 0) {
      throw new RpcError(Code.Unavailable, `no provider for ${serviceKeyString(this.service)} matches the routing rules`);
    }
    let usable = this.usableOf(members);
    if (usable.proxy !== undefined) {
      // Sidecar mode: the proxy's endpoint as it is, unless its connection failed since the list was made.
      if (usable.proxy.client.available) return usable.proxy;
      this.usableCache.delete(members);
      usable = this.usableOf(members);
    }
    const available = usable.out;
    // When every endpoint is backing off, still try one: failing fast beats failing silently.
    if (available.length === 0) return this.lastResort(members, inv);
    const chosen = this.balancer.pick(available, inv);
    // A breaker's change moves its version, which `usableOf` checked; a client's availability has
    // no change event, so the chosen one is asked now.
    if (this.breakers?.version !== undefined ? chosen.client.available : this.usable(chosen)) return chosen;
    // It turned unusable since the list was made: rebuild once.
    this.usableCache.delete(members);
    const fresh = this.usableOf(members);
    return fresh.proxy ?? (fresh.out.length > 0 ? this.balancer.pick(fresh.out, inv) : this.lastResort(members, inv));
  }

  /** Nothing usable: the proxy's endpoint if listed (the agent is not the balancer's), else the balancer's pick of all. */
  private lastResort(members: readonly Member[], inv: Invocation): Member {
    if (this.proxies > 0) {
      for (const m of members) if (m.proxy) return m;
    }
    return this.balancer.pick(members, inv);
  }

  /**
   * The usable members of `list`, kept per list (the router hands back the same arrays until the
   * endpoint set changes) and rebuilt only when the set, a breaker or (checked by time, as clients
   * announce no recovery) a sidelined client may have changed: a pick costs O(1), not O(n), and
   * the balancer sees one stable array, so its own per-array caches hold.
   */
  private usableOf(list: readonly Member[]): UsableList {
    const version = this.breakers?.version ?? 0;
    let cached = this.usableCache.get(list);
    if (cached !== undefined && cached.epoch === this.epoch && cached.version === version &&
      (cached.sidelined === 0 || performance.now() < cached.recheckAt)) return cached;
    let out: readonly Member[] = list;
    let sidelined = 0;
    for (let i = 0; i < list.length; i++) {
      if (!this.usable(list[i]!)) {
        out = list.filter((x) => this.usable(x));
        sidelined = list.length - out.length;
        break;
      }
    }
    let proxy: Member | undefined;
    if (this.proxies > 0) {
      const direct = out.filter((m) => !m.proxy);
      if (direct.length < out.length) {
        proxy = out.find((m) => m.proxy);
        out = direct;
      }
    }
    cached = { epoch: this.epoch, version, out, proxy, sidelined, recheckAt: performance.now() + SIDELINE_RECHECK_MS };
    this.usableCache.set(list, cached);
    return cached;
  }

  private usable(m: Member): boolean {
    return m.client.available && (m.proxy || this.breakers === undefined || this.breakers.allows(m.endpoint));
  }

  /** One attempt on `member`, through its breaker when there are breakers. */
  send(member: Member, inv: Invocation): Promise<unknown> {
    member.calls++;
    return member.guarded(inv);
  }

  /** Read-only picture of this reference's endpoints, for admin views. */
  snapshot(): ReferenceSnapshot {
    return {
      service: serviceKeyString(this.service),
      protocol: this.protocol,
      listed: this.listed.map(endpointAddress),
      endpoints: this.members.map((m) => ({
        address: endpointAddress(m.endpoint),
        health: m.client.available ? 'up' : 'down',
        // The proxy's endpoint has no breaker and no estimate (nothing is learnt about it).
        breaker: m.proxy ? undefined : this.breakers?.stateOf?.(m.endpoint),
        inFlight: m.pending,
        ewmaMs: m.proxy ? undefined : this.balancer.latencyOf?.(m.endpoint),
        calls: m.calls,
        errors: m.errors,
      })),
    };
  }

  private noProvider(): RpcError {
    return new RpcError(Code.Unavailable, `no provider for ${serviceKeyString(this.service)} over ${this.protocol}: ` +
      'the registry lists none (check the interface, version and group match the provider\'s exactly)');
  }

  private async waitFirst(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ms = deadline - Date.now();
    try {
      await Promise.race([
        this.first,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RpcError(Code.Timeout, `no endpoint list for ${serviceKeyString(this.service)} within ${ms} ms`)), Math.max(0, ms));
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private update(endpoints: readonly Endpoint[]): void {
    this.listed = endpoints;
    const wanted = new Map<string, Endpoint>();
    for (const e of endpoints) if (e.protocol === this.protocol) wanted.set(endpointAddress(e), e);
    const next: PooledMember[] = [];
    for (const m of this.members) {
      const address = endpointAddress(m.endpoint);
      const e = wanted.get(address);
      if (e !== undefined) {
        // Same address, maybe new weight or start time: keep the connection, take the new facts.
        m.replace(e);
        next.push(m);
        wanted.delete(address);
      } else {
        this.pool.release(m.client);
      }
    }
    for (const e of wanted.values()) next.push(this.member(e));
    this.members = next;
    this.epoch++;
    let direct: readonly PooledMember[] = next;
    if (this.sets !== undefined) {
      direct = next.filter((m) => !m.proxy);
      this.proxies = next.length - direct.length;
    }
    // The balancer and the breakers are told only the direct endpoints.
    const current = direct.map((m) => m.endpoint);
    this.balancer.update?.(current);
    this.breakers?.update(current);
  }

  private member(endpoint: Endpoint): PooledMember {
    const client = this.pool.acquire(endpoint, this.connections, this.direct, this.tls);
    if (this.sets?.isProxy(endpoint)) return new ProxyMember(endpoint, client);
    return new PooledMember(endpoint, client, this.balancer, this.breakers);
  }

  get endpoints(): Endpoint[] {
    return this.members.map((m) => m.endpoint);
  }

  close(): void {
    this.unsubscribe?.();
    for (const m of this.members) this.pool.release(m.client);
    this.members = [];
    this.proxies = 0;
    this.epoch++;
    this.balancer.update?.([]);
    this.breakers?.close();
  }
}
