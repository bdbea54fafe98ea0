import { Code, createRuntime, endpointAddress, RpcError, serviceKeyString, type Meshlet, type ServiceKey } from '@meshlet/core';
import { advertiseHost } from '@meshlet/core/runtime';
import type { Connection } from '@meshlet/core/engine';
import { BreakerSet, type BreakerState } from '@meshlet/breaker';
import { AdminRoutes, type AdminStatus, type AdminTarget } from '@meshlet/admin';
import { loadBalancerFactory } from '@meshlet/lb';
import { createRegistry, serviceId } from '@meshlet/registry';
import { AgentApi, type ApiHost } from './http-api.js';
import { SniffingListener } from './listener.js';
import { LocalApps } from './local-apps.js';
import { ObservedRegistry } from './observed-registry.js';
import { agentProtocols } from './protocols.js';
import { relayCodecs, relayProtocols, type Direction, type RelayCodec, type RelayRequest } from './relay/index.js';
import { Routes } from './routes.js';
import { TripleRelayServer, tripleRelayProtocol } from '@meshlet/transport-triple';
import { RelaySession } from './session.js';
import { Stats } from './stats.js';
import type { AgentConfig } from './config.js';
import { agentTls, type AgentTls } from './tls.js';

export const AGENT_VERSION = '0.1.0';

/** The ports an agent is listening on. */
export interface AgentAddresses {
  /** App-facing (egress) ports: the first is the main one. */
  readonly egress: readonly number[];
  readonly ingress: number;
  readonly http: readonly number[];
}

/**
 * Meshlet's sidecar agent: the in-process mesh run as a process of its own.
 *
 * - **Egress**: local apps send Dubbo, Bolt and Motan2 calls to one port; each call is routed by
 *   its service header through a Meshlet runtime (the real registry, p2c balancing, per-endpoint
 *   breakers, failover of calls that never left, spans) to a provider or to the ingress of the
 *   provider host's agent. Frames are relayed, not re-encoded: the agent needs no service types.
 * - **Ingress**: calls from other hosts for services local apps registered here are forwarded to
 *   those apps (balanced over their instances).
 * - **API**: apps register and subscribe over HTTP in MOSN's or the motan-go agent's dialect;
 *   `/status` shows registrations, subscriptions, upstreams and counters.
 */
export class Agent {
  readonly config: AgentConfig;
  readonly stats = new Stats();
  readonly #upstream: ObservedRegistry;
  /** The protocols relayed (`agentProtocols`), and one relay codec for each. */
  readonly #protocols = agentProtocols();
  readonly #codecs: RelayCodec[];
  readonly #egressMesh: Meshlet;
  readonly #egress: Routes;
  #ingressRoutes: Routes | undefined;
  #ingressRuntime: Meshlet | undefined;
  readonly #breakers = new Map<string, BreakerState>();
  readonly #subscriptions = new Map<string, { service: ServiceKey; protocol: string; stop?: () => void }>();
  readonly #listeners: SniffingListener[] = [];
  #ingressListener: SniffingListener | undefined;
  #apps: LocalApps | undefined;
  #api: AgentApi | undefined;
  #admin: AdminRoutes | undefined;
  #addresses: AgentAddresses | undefined;
  #egressHost = '127.0.0.1';
  readonly #started = Date.now();
  readonly #tls: AgentTls;
  #stopping: Promise<void> | undefined;

  private constructor(config: AgentConfig) {
    this.config = config;
    this.#tls = agentTls(config);
    this.#upstream = new ObservedRegistry(createRegistry(config.registry));
    // Bolt's GoAway is the one optional stop frame (Java Bolt clients do not know it).
    this.#codecs = relayCodecs(this.#protocols, { optionalGoAway: config.boltGoAway });
    // Triple's calls are HTTP/2 streams, relayed as streams (transport-triple relay.ts), not frames.
    const protocols = [...relayProtocols(this.#protocols, this.#codecs), tripleRelayProtocol()];
    this.#egressMesh = createRuntime({
      application: config.application,
      registry: this.#upstream,
      protocols,
      loadBalancer: loadBalancerFactory(config.loadBalancer),
      breakers: () => this.#breakerSet(),
      timeout: config.timeout,
      // Providers and other agents' ingress ports: dialed with the upstream TLS when configured.
      client: this.#tls.upstream ? { tls: this.#tls.upstream } : undefined,
    });
    this.#egress = new Routes(this.#egressMesh, { timeout: config.timeout, tracing: config.tracing });
  }

  /** Starts every listener; resolves once the agent routes calls. */
  static async start(config: AgentConfig): Promise<Agent> {
    const agent = new Agent(config);
    try {
      await agent.#listen();
    } catch (err) {
      await agent.stop(0);
      throw err;
    }
    return agent;
  }

  get addresses(): AgentAddresses {
    if (!this.#addresses) throw new Error('the agent is not listening');
    return this.#addresses;
  }

  async #listen(): Promise<void> {
    const c = this.config;
    // Ingress callers found this agent in a registry: on stop, callers of a protocol whose stop
    // signal is refusing (Motan2) are served for its providers' notice period while they see it
    // withdrawn, as by a direct provider; local apps are refused at once.
    const stopNotice = Math.max(0, ...this.#codecs.map((codec) => codec.stopNotice ?? 0));
    const ingress = new SniffingListener(this.#codecs, (conn, codec) => this.#session(conn, codec, 'ingress'), {
      host: c.ingressHost, port: c.ingressPort, stopNotice, tls: this.#tls.server, h2: this.#streamRelay('ingress'),
    });
    this.#ingressListener = ingress;
    const ingressPort = (await ingress.listen()).port;
    const advertised = advertiseHost(c.ingressHost, c.advertiseHost);
    const apps = new LocalApps(this.#upstream, { host: advertised, port: ingressPort, tls: this.#tls.server !== undefined }, c.application, c.online, warn);
    this.#apps = apps;
    // Inbound calls go to the local apps' own addresses, which `LocalApps` keeps in a memory registry:
    // with TLS to an app whose registration says its port takes it (`ssl-enabled`), else plaintext
    // (the client's `permissive` mode, unless the settings chose one).
    this.#ingressRuntime = createRuntime({
      application: c.application,
      registry: apps.local,
      protocols: [...relayProtocols(this.#protocols, this.#codecs), tripleRelayProtocol()],
      loadBalancer: loadBalancerFactory('p2c'),
      timeout: c.timeout,
      client: this.#tls.upstream ? { tls: { mode: 'permissive', ...this.#tls.upstream } } : undefined,
    });
    this.#ingressRoutes = new Routes(this.#ingressRuntime, { timeout: c.timeout, tracing: c.tracing });
    const egressPorts: number[] = [];
    this.#admin = new AdminRoutes(this.#adminTarget());
    const api = new AgentApi(this.#apiHost(() => egressPorts[0]!, ingressPort, () => this.#addresses?.http[0] ?? 0), AGENT_VERSION);
    this.#api = api;
    for (const port of [c.port, ...c.extraPorts]) {
      // The app-facing ports also take the API's HTTP: `meshlet://host:port` is all an app needs.
      const l = new SniffingListener(this.#codecs, (conn, codec) => this.#session(conn, codec, 'egress'), {
        host: c.host, port, http: (s) => api.connection(s), tls: this.#tls.server, h2: this.#streamRelay('egress'),
      });
      this.#listeners.push(l);
      egressPorts.push((await l.listen()).port);
    }
    this.#egressHost = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
    const http: number[] = [];
    for (const port of [c.httpPort, ...c.extraHttpPorts]) http.push(await api.listen(c.host, port));
    this.#addresses = { egress: egressPorts, ingress: ingressPort, http };
  }

  #session(conn: Connection, codec: RelayCodec, direction: Direction): RelaySession {
    const routes = direction === 'egress' ? this.#egress : this.#ingressRoutes!;
    return new RelaySession(conn, codec, direction, (req: RelayRequest) => routes.send(req), this.stats.counter(direction, codec.protocol), this.config.timeout);
  }

  /** One listener's Triple (HTTP/2) side: each stream routed as a call, counted as the frame sessions' are. */
  #streamRelay(direction: Direction): TripleRelayServer {
    const counter = this.stats.counter(direction, 'tri');
    return new TripleRelayServer((call) => {
      const routes = direction === 'egress' ? this.#egress : this.#ingressRoutes!;
      counter.requests++;
      counter.inFlight++;
      return routes.sendStream(call).then(
        () => {
          counter.inFlight--;
          counter.responses++;
        },
        (err: unknown) => {
          counter.inFlight--;
          counter.errors++;
          throw err;
        },
      );
    }, { defaultTimeout: this.config.timeout });
  }

  #breakerSet(): BreakerSet {
    const set = new BreakerSet(this.config.breaker);
    for (const state of ['open', 'halfOpen', 'close'] as const) {
      set.on(state, (e) => {
        const address = endpointAddress(e);
        if (state === 'close') this.#breakers.delete(address);
        else this.#breakers.set(address, state);
      });
    }
    return set;
  }

  #apiHost(egressPort: () => number, ingressPort: number, httpPort: () => number): ApiHost {
    const agent = this;
    return {
      get apps() {
        return agent.#apps!;
      },
      subscribe: async (key, protocol) => agent.#subscribe(key, protocol),
      unsubscribe: (key, protocol) => agent.#unsubscribe(key, protocol),
      subscriptions: () => [...agent.#subscriptions.values()].map((s) => ({ service: s.service, protocol: s.protocol })),
      get egress() {
        return { host: agent.#egressHost, port: egressPort() };
      },
      ingressPort,
      get httpPort() {
        return httpPort();
      },
      mosnAppPorts: this.config.mosnAppPorts,
      status: () => agent.status(),
      get admin() {
        return agent.#admin;
      },
    };
  }

  /**
   * An app said it will call `key`: watch it in the real registry now, so the first call finds
   * its providers known (and `/status` shows them).
   */
  async #subscribe(key: ServiceKey, protocol: string): Promise<void> {
    const id = `${protocol} ${serviceId(key)}`;
    if (this.#subscriptions.has(id)) return;
    const entry: { service: ServiceKey; protocol: string; stop?: () => void } = { service: key, protocol };
    this.#subscriptions.set(id, entry);
    entry.stop = await this.#upstream.subscribe(key, () => {});
  }

  #unsubscribe(key: ServiceKey, protocol: string): void {
    const id = `${protocol} ${serviceId(key)}`;
    this.#subscriptions.get(id)?.stop?.();
    this.#subscriptions.delete(id);
  }

  /**
   * The admin view of the agent (the same dashboard, `/metrics`, `/ls` as an app's admin
   * endpoint, on the agent's HTTP port): exports are what local apps published through it,
   * references what it routes to, egress calls count as `client`, ingress calls as `server`.
   * `offline`/`online` withdraw and republish every local app together, as `/503` and `/200` do.
   */
  #adminTarget(): AdminTarget {
    return {
      status: () => this.status(),
      offline: async (service) => {
        const all = this.#serviceNames(service);
        await this.#apps?.offline();
        return all;
      },
      online: async (service) => {
        const all = this.#serviceNames(service);
        await this.#apps?.online();
        return all;
      },
      onCall: (listener) => {
        const egress = this.#egressMesh.onCall(listener);
        const ingress = this.#ingressRuntime?.onCall((r) => listener({ ...r, side: 'server' }));
        return () => {
          egress();
          ingress?.();
        };
      },
    };
  }

  /** The published services; a named subset is refused: the agent takes its apps offline together. */
  #serviceNames(service: string | undefined): string[] {
    const names = [...new Set((this.#apps?.published() ?? []).map((r) => serviceKeyString(r.service)))];
    if (service !== undefined && service !== '' && names.some((n) => n !== service)) {
      throw new RpcError(Code.BadRequest, `the agent takes its local apps offline all together (as /503 does): omit service (published: ${names.join(', ') || 'none'})`);
    }
    return names;
  }

  /** What `/status` answers: the agent's own view, plus the fields every admin endpoint has. */
  status(): AdminStatus & Record<string, unknown> {
    const apps = this.#apps;
    const online = apps?.isOnline ?? false;
    const egress = this.#egressMesh.introspect();
    const ingress = this.#ingressRuntime?.introspect();
    return {
      application: this.config.application,
      mode: 'agent',
      uptimeMs: Date.now() - this.#started,
      inFlight: { client: egress.inFlight.client, server: ingress?.inFlight.client ?? 0 },
      services: (apps?.published() ?? []).map((r) => ({
        service: serviceKeyString(r.service), protocol: r.endpoint.protocol, address: endpointAddress(r.endpoint),
        state: online ? 'online' as const : 'offline' as const, methods: r.methods,
      })),
      references: egress.references,
      agent: {
        name: '@meshlet/agent', version: AGENT_VERSION, application: this.config.application, pid: process.pid,
        uptimeMs: Date.now() - this.#started, online: apps?.isOnline ?? false,
      },
      listeners: this.#addresses,
      registry: this.#upstream.name,
      registrations: (apps?.list() ?? []).map((a) => ({
        service: serviceKeyString(a.registration.service), protocol: a.registration.endpoint.protocol,
        app: `${a.registration.endpoint.host}:${a.registration.endpoint.port}`, application: a.registration.application, via: a.source,
      })),
      published: (apps?.published() ?? []).map((r) => ({ service: serviceKeyString(r.service), endpoint: endpointAddress(r.endpoint) })),
      subscriptions: [...this.#subscriptions.values()].map((s) => ({ service: serviceKeyString(s.service), protocol: s.protocol })),
      routes: { egress: this.#egress.size, ingress: this.#ingressRoutes?.size ?? 0 },
      upstreams: this.#upstream.sets().map((s) => ({ service: serviceKeyString(s.service), endpoints: s.endpoints.map(endpointAddress) })),
      breakers: Object.fromEntries(this.#breakers),
      connections: {
        egress: this.#listeners.reduce((n, l) => n + l.connectionCount, 0),
        ingress: this.#ingressListener?.connectionCount ?? 0,
      },
      counters: this.stats.snapshot(),
      ...(this.#tls.server ? { tls: this.#tlsStatus() } : {}),
    };
  }

  /** The ports' TLS: the mode, and handshakes refused (all ports together) by reason. */
  #tlsStatus(): { mode: string; handshakeFailures: Record<string, number> } {
    const failures: Record<string, number> = {};
    for (const l of [...this.#listeners, this.#ingressListener]) {
      for (const [reason, n] of l?.tlsFailures ?? []) failures[reason] = (failures[reason] ?? 0) + n;
    }
    return { mode: this.#tls.server?.mode ?? 'strict', handshakeFailures: failures };
  }

  /**
   * Withdraws the registrations (remote callers stop coming), drains in-flight calls (at most
   * `graceMs`), then closes listeners, connections and the registry.
   */
  stop(graceMs = this.config.gracePeriod): Promise<void> {
    this.#stopping ??= (async () => {
      for (const s of this.#subscriptions.values()) s.stop?.();
      this.#subscriptions.clear();
      await this.#apps?.close();
      await Promise.all([...this.#listeners, this.#ingressListener].map((l) => l?.close(graceMs)));
      this.#admin?.close();
      await this.#api?.close();
      await Promise.all([this.#egressMesh.stop(0), this.#ingressRuntime?.stop(0)]);
      this.#tls.close();
    })();
    return this.#stopping;
  }
}

function warn(message: string): void {
  process.emitWarning(message, { type: 'MeshletAgentWarning', code: 'MESHLET_AGENT' });
}
