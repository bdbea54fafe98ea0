import { Code, toRpcError, type Endpoint, type EndpointListener, type MetadataFetcher, type Registration, type Registry, type ServiceKey, type Subscriber } from '@meshlet/core';
import { advertiseHost } from '@meshlet/core/runtime';
import type { AppInstance } from '../app-level/instance.js';
import { migrate } from '../app-level/instance-services.js';
import { APP_PROTOCOLS, AppRegistrations, type InstanceState } from '../app-level/registrations.js';
import { endpointSet, registrationId } from '../endpoint-set.js';
import { dubboLayout } from '../zookeeper/dubbo-layout.js';
import { takeHeld } from '../held.js';
import { Serial } from '../serial.js';
import { Subscriptions, type Subscription } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError } from '../validate.js';
import { NacosAppDiscovery } from './app-discovery.js';
import { appNacosInstance } from './app-naming.js';
import { NacosConfig } from './config.js';
import { ConfigWatch } from './config-watch.js';
import type { NacosInstance } from './dubbo-naming.js';
import { NacosHttp } from './http.js';
import { dubboNaming, namingFor, type NacosPlace } from './naming.js';
import { nacosSettings, type NacosRegistryOptions, type NacosSettings } from './options.js';
import { PushReceiver } from './push.js';
import type { ReaderOptions } from './listed-set.js';
import { NacosServiceReader } from './reader.js';
import { NacosGrpcNaming } from './grpc/naming-client.js';
import { GrpcServiceReader } from './grpc/reader.js';

/** Nacos' beat answer when the server does not know the instance (it restarted, or expired it). */
const RESOURCE_NOT_FOUND = 20404;
const EMPTY: readonly Endpoint[] = Object.freeze([]);
/** Dubbo's service matching (absent, empty and 0.0.0 versions are one), for application-level services. */
const DUBBO_MATCHES = dubboLayout().matches;

interface Held {
  readonly serviceName: string;
  readonly instance: NacosInstance;
  readonly place: NacosPlace;
}

/** One reader per naming, subscriber protocol, place and Nacos service name. */
const readerId = (naming: string, protocol: string | undefined, place: NacosPlace, serviceName: string) =>
  [naming, protocol ?? '', place.namespace, place.group, serviceName].join('\u0000');

/**
 * The `nacos` registry over Nacos' open HTTP API (v1, served by Nacos 1.x and 2.x): ephemeral
 * instances kept alive by heartbeats (`/instance/beat`), so a provider that dies is dropped by the
 * server; subscribers read `/instance/list` periodically and when the server pushes a change over
 * UDP. Each protocol is named as its ecosystem names it (naming.ts: Dubbo's interface level, SOFARPC's
 * for Bolt), so Java consumers and providers on the same Nacos find Meshlet and are found. See README.md.
 */
export class NacosRegistry implements Registry {
  readonly name = 'nacos';
  readonly settings: NacosSettings;
  readonly #http: NacosHttp;
  readonly #registered = new Map<string, Held>();
  readonly #serial = new Serial();
  readonly #subs = new Subscriptions();
  readonly #readers = new Map<string, NacosServiceReader<Endpoint> | GrpcServiceReader<Endpoint>>();
  /** With `api: 'grpc'`: instances and interface-level subscriptions over Nacos 2.x's long connection (grpc/). */
  readonly #grpc: NacosGrpcNaming | undefined;
  /** Which reader feeds each subscription. */
  readonly #readerOf = new Map<Subscription, string>();
  #push: PushReceiver | undefined;
  #udpPort: number | undefined;
  #beatTimer: NodeJS.Timeout | undefined;
  #beating = false;
  /** The last beat round failed: when the server answers again, every instance is written again. */
  #lost = false;
  #closed = false;
  /** Dubbo 3 application-level registration (register-mode instance/all): app-level/registrations.ts. */
  readonly #apps = new AppRegistrations();
  readonly #config: NacosConfig;
  readonly #watch: ConfigWatch;
  /** Dubbo 3 application-level discovery per interface (migration APPLICATION_FIRST / FORCE_APPLICATION). */
  readonly #discoveries = new Map<string, NacosAppDiscovery>();
  readonly #subDiscovery = new Map<Subscription, NacosAppDiscovery>();
  #fetcher: MetadataFetcher | undefined;

  constructor(options: NacosRegistryOptions | string) {
    this.settings = nacosSettings(options);
    this.#http = new NacosHttp(this.settings);
    this.#config = new NacosConfig(this.#http, this.settings);
    this.#watch = new ConfigWatch(this.#http, this.settings);
    this.#grpc = this.settings.api === 'grpc' ? new NacosGrpcNaming(this.settings, this.#http.token) : undefined;
  }

  /** The runtime's way to read an instance's MetadataInfo; application-level discovery needs it. */
  useMetadataFetcher(fetch: MetadataFetcher): void {
    this.#fetcher = fetch;
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    const mode = this.settings.registerMode;
    const instance = mode !== 'interface' && AppRegistrations.eligible(r);
    if (!instance || mode === 'all') await this.#registerInterface(r);
    if (instance) await this.#registerInstance(r);
  }

  async #registerInterface(r: Registration): Promise<void> {
    const naming = namingFor(r.endpoint.protocol);
    const held: Held = { serviceName: naming.serviceName(r.service, r.endpoint.protocol), instance: naming.instance(r), place: naming.place(this.settings) };
    const rid = registrationId(r.service, r.endpoint);
    // Wanted from now on: if Nacos is unreachable the promise rejects, but the beats write it as soon
    // as Nacos answers again, until unregister or close.
    this.#registered.set(rid, held);
    this.#startBeating();
    try {
      await this.#serial.run(rid, () => this.#put(rid, held));
    } catch (err) {
      // The next beat round writes every instance in full instead of beating.
      this.#lost = true;
      throw err;
    }
    await this.#refreshReaders(held);
  }

  /**
   * The application's instance (the Nacos service named after the application, metadata with the
   * revision of all its registrations), then each interface's mapping to the application in the
   * config (data id = interface, group `mapping`), as Dubbo 3's NacosServiceDiscovery and
   * NacosMetadataReport write them. The instance is kept like a registration (beats, re-written
   * after an outage); the mappings are written once per interface and never shrunk.
   */
  async #registerInstance(r: Registration): Promise<void> {
    const state = this.#apps.add(r);
    const { id, held } = this.#instanceHeld(state);
    const previous = this.#registered.get(id);
    this.#registered.set(id, held);
    this.#startBeating();
    try {
      await this.#serial.run(id, () => this.#put(id, held));
    } catch (err) {
      this.#lost = true;
      throw err;
    }
    if (previous) await this.#dropMoved(id, previous);
    for (const iface of state.interfaces) {
      await this.#serial.run(`mapping\u0000${iface}`, () => this.#config.addToMapping(iface, state.application))
        .catch((err: unknown) => { throw toRpcError(err, Code.Unavailable); });
    }
    await this.#refreshApp(state.application);
  }

  #instanceHeld(state: InstanceState): { id: string; held: Held } {
    const id = instanceId(state.application, state.host);
    return { id, held: { serviceName: state.application, instance: appNacosInstance(state), place: dubboNaming.place(this.settings) } };
  }

  async #unregisterInstance(registration: Registration): Promise<void> {
    if (!AppRegistrations.eligible(registration)) return;
    const r = checkRegistration(registration);
    const left = this.#apps.remove(r);
    if (!left) return;
    const id = instanceId(r.application!, r.endpoint.host);
    const previous = this.#registered.get(id);
    if (left.state) {
      const { held } = this.#instanceHeld(left.state);
      this.#registered.set(id, held);
      await this.#serial.run(id, () => this.#put(id, held)).catch(() => { this.#lost = true; });
      if (previous) await this.#dropMoved(id, previous);
    } else if (previous) {
      this.#registered.delete(id);
      if (this.#registered.size === 0) this.#stopBeating();
      await this.#serial.run(id, () => this.#delete(id, previous)).catch(() => {});
    }
    await this.#refreshApp(r.application!);
  }

  /**
   * The Nacos instance an application instance had before its port moved (a dubbo port joined or
   * left beside tri: Java's instance is `{host}:{dubbo port}`, else the tri port), deleted.
   */
  async #dropMoved(id: string, previous: Held): Promise<void> {
    await this.#serial.run(id, async () => {
      const now = this.#registered.get(id);
      if (now && now.instance.port === previous.instance.port) return;
      if (this.#grpc) return this.#grpc.deregister(this.#grpcPlace(previous), previous.instance);
      await this.#http.request('DELETE', '/nacos/v1/ns/instance', this.#instanceParams(previous));
    }).catch(() => {}); // unreachable: its beats stopped, the server drops it
  }

  /** After our own write of an application instance: its readers read again. */
  async #refreshApp(application: string): Promise<void> {
    const readers = [...this.#discoveries.values()].flatMap((d) => [...d.readers()]).filter((r) => r.serviceName === application);
    await Promise.all(readers.map((r) => r.refresh().catch(() => {})));
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    await this.#unregisterInstance(registration);
    const held = takeHeld(this.#registered, registration);
    if (!held) return;
    if (this.#registered.size === 0) this.#stopBeating();
    // Unreachable Nacos: the beats have stopped, so the server drops the instance by itself.
    await this.#serial.run(held.id, () => this.#delete(held.id, held.value)).catch(() => {});
    await this.#refreshReaders(held.value);
  }

  async subscribe(service: ServiceKey, listener: EndpointListener, subscriber?: Subscriber): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    const protocol = subscriber?.protocol;
    const naming = namingFor(protocol);
    const serviceName = naming.serviceName(key, protocol ?? 'dubbo');
    const place = naming.place(this.settings);
    const id = readerId(naming.name, protocol, place, serviceName);
    const sub = this.#subs.add(key, listener);
    this.#readerOf.set(sub, id);
    if (!this.#push && !this.#grpc) {
      this.#push = new PushReceiver((name) => this.#onPush(name));
      this.#udpPort = await this.#push.port();
      if (this.#closed) throw closedError(this.name);
    }
    let reader = this.#readers.get(id);
    if (!reader) {
      const where = { ...this.settings, namespace: place.namespace, group: place.group };
      const clusters: Record<string, string> = place.readClusters === undefined ? {} : { clusters: place.readClusters };
      const o: ReaderOptions<Endpoint> = {
        toItems: (hosts) => endpointSet(hosts.map((h) => naming.endpoint(h, key, protocol)).filter((e): e is Endpoint => e !== undefined)),
        holdEmpty: () => this.#holdEmpty(),
        extra: () => ({ ...this.#pushParams(), ...clusters }),
        onSet: () => this.#deliver(id),
      };
      reader = this.#grpc
        ? new GrpcServiceReader<Endpoint>(this.#grpc, { namespace: place.namespace, group: place.group, serviceName, cluster: place.cluster }, place.readClusters ?? '', this.settings.refreshMs, o)
        : new NacosServiceReader<Endpoint>(serviceName, this.#http, where, o);
      this.#readers.set(id, reader);
      reader.start();
    }
    const discovery = naming === dubboNaming ? this.#discoveryFor(key, subscriber) : undefined;
    if (discovery) {
      discovery.subs.add(sub);
      this.#subDiscovery.set(sub, discovery);
    }
    await Promise.all([reader.firstRead(this.settings.timeoutMs), discovery?.firstRead(this.settings.timeoutMs)]);
    if (this.#closed) throw closedError(this.name);
    // Unreachable Nacos and nothing known yet: what is known now (possibly nothing), the rest when Nacos answers.
    if (!sub.delivered) sub.offer(this.#setFor(sub));
    return () => {
      this.#readerOf.delete(sub);
      if (discovery) {
        this.#subDiscovery.delete(sub);
        discovery.subs.delete(sub);
        if (discovery.subs.size === 0) {
          discovery.stop();
          this.#discoveries.delete(key.interface);
        }
      }
      if (!this.#subs.remove(sub)) return;
      if ([...this.#readerOf.values()].includes(id)) return;
      this.#readers.get(id)?.stop();
      this.#readers.delete(id);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    this.#readerOf.clear();
    for (const reader of this.#readers.values()) reader.stop();
    this.#readers.clear();
    for (const d of this.#discoveries.values()) d.stop();
    this.#discoveries.clear();
    this.#subDiscovery.clear();
    this.#watch.stop();
    this.#push?.close();
    this.#stopBeating();
    const mine = [...this.#registered];
    this.#registered.clear();
    if (this.#grpc) {
      // Closing the connection is the deregistration: the server drops its ephemeral instances.
      this.#grpc.close();
      return;
    }
    if (mine.length > 0) {
      // Best effort: whatever is not deleted is dropped by the server when its beats stop.
      await Promise.allSettled(mine.map(([rid, held]) => this.#serial.run(rid, () => this.#delete(rid, held))));
    }
  }

  /** The application-level discovery a Dubbo subscription of `service` uses, if any. */
  #discoveryFor(service: ServiceKey, subscriber: Subscriber | undefined): NacosAppDiscovery | undefined {
    if (this.settings.migration === 'FORCE_INTERFACE' || !this.#fetcher) return undefined;
    if (subscriber && !APP_PROTOCOLS.includes(subscriber.protocol)) return undefined;
    let d = this.#discoveries.get(service.interface);
    if (d) return d;
    const place = dubboNaming.place(this.settings);
    d = new NacosAppDiscovery(service.interface, {
      config: this.#config,
      watch: this.#watch,
      fetch: this.#fetcher,
      timeoutMs: this.settings.timeoutMs,
      refreshMs: this.settings.refreshMs,
      reader: (application, o: Pick<ReaderOptions<AppInstance>, 'toItems' | 'onSet'>) => {
        const options: ReaderOptions<AppInstance> = { ...o, holdEmpty: () => this.#holdEmpty(), extra: () => this.#pushParams() };
        const reader = this.#grpc
          ? new GrpcServiceReader<AppInstance>(this.#grpc, { namespace: place.namespace, group: place.group, serviceName: application, cluster: place.cluster }, '', this.settings.refreshMs, options)
          : new NacosServiceReader<AppInstance>(application, this.#http, { ...this.settings, namespace: place.namespace, group: place.group }, options);
        reader.start();
        return reader;
      },
      matches: DUBBO_MATCHES,
      onChange: (changed) => this.#changedApp(changed),
    });
    this.#discoveries.set(service.interface, d);
    d.start();
    return d;
  }

  /**
   * Empty protection: true while an empty list must not replace a non-empty one. Always with
   * `emptyProtection` (nacos-client's namingPushEmptyProtection); otherwise for `emptyGraceMs`
   * after Nacos answered again following an outage, or forgot one of our instances (a restarted
   * server has no ephemeral instance until each provider registers again: up to a beat period).
   */
  #holdEmpty(): boolean {
    if (this.settings.emptyProtection) return true;
    const since = Math.max(this.#http.recoveredAt, this.#grpc?.recoveredAt ?? 0);
    return since > 0 && Date.now() - since < this.settings.emptyGraceMs;
  }

  /**
   * The interface-level providers, and for Dubbo subscriptions with application-level discovery
   * the migration rule (app-level/instance-services.ts#migrate).
   */
  #setFor(sub: Subscription): readonly Endpoint[] {
    const readerId = this.#readerOf.get(sub);
    const iface = (readerId === undefined ? undefined : this.#readers.get(readerId)?.set) ?? EMPTY;
    const discovery = this.#subDiscovery.get(sub);
    return discovery ? migrate(iface, discovery.endpointsFor(sub.service), this.settings.migration) : iface;
  }

  /** Every subscriber fed by a reader gets its set; before its first delivery it waits for its application level too. */
  #deliver(id: string): void {
    for (const [s, readerOf] of this.#readerOf) {
      if (readerOf !== id) continue;
      if (!s.delivered && this.#subDiscovery.get(s)?.known === false) continue;
      s.offer(this.#setFor(s));
    }
  }

  #changedApp(d: NacosAppDiscovery): void {
    for (const s of d.subs as Set<Subscription>) {
      const readerId = this.#readerOf.get(s);
      if (!s.delivered && (readerId === undefined || this.#readers.get(readerId)?.set === undefined)) continue;
      s.offer(this.#setFor(s));
    }
  }

  /** After our own write: the readers of that Nacos service read again (every protocol's, any subscriber). */
  async #refreshReaders(held: Held): Promise<void> {
    const suffix = ['', held.place.namespace, held.place.group, held.serviceName].join('\u0000');
    await Promise.all([...this.#readers].filter(([id]) => id.endsWith(suffix)).map(([, r]) => r.refresh().catch(() => {})));
  }

  #pushParams(): Record<string, string> {
    if (this.#udpPort === undefined) return {};
    return { udpPort: String(this.#udpPort), clientIP: pushAddress(this.settings.servers) };
  }

  #onPush(name: string | undefined): void {
    const bare = name === undefined ? undefined : name.slice(name.indexOf('@@') < 0 ? 0 : name.indexOf('@@') + 2);
    const apps = [...this.#discoveries.values()].flatMap((d) => [...d.readers()]);
    for (const reader of [...this.#readers.values(), ...apps]) {
      if (bare === undefined || reader.serviceName === bare) void reader.refresh().catch(() => {});
    }
  }

  #instanceParams(held: Held): Record<string, string> {
    return {
      serviceName: held.serviceName,
      groupName: held.place.group,
      namespaceId: held.place.namespace,
      clusterName: held.place.cluster,
      ip: held.instance.ip,
      port: String(held.instance.port),
      ephemeral: 'true',
    };
  }

  async #put(rid: string, held: Held): Promise<void> {
    // An unregister queued before this write ran wins: never resurrect an instance.
    if (this.#registered.get(rid) !== held) return;
    if (this.#grpc) {
      await this.#grpc.register(this.#grpcPlace(held), held.instance);
      return;
    }
    try {
      await this.#http.request('POST', '/nacos/v1/ns/instance', {
        ...this.#instanceParams(held),
        weight: String(held.instance.weight),
        enabled: 'true',
        healthy: 'true',
        metadata: JSON.stringify(held.instance.metadata),
      });
    } catch (err) {
      throw toRpcError(err, Code.Unavailable);
    }
  }

  async #delete(rid: string, held: Held): Promise<void> {
    if (this.#registered.has(rid)) return; // registered again meanwhile
    if (this.#grpc) return this.#grpc.deregister(this.#grpcPlace(held), held.instance);
    await this.#http.request('DELETE', '/nacos/v1/ns/instance', this.#instanceParams(held));
  }

  #grpcPlace(held: Held): { namespace: string; group: string; serviceName: string; cluster: string } {
    return { namespace: held.place.namespace, group: held.place.group, serviceName: held.serviceName, cluster: held.place.cluster };
  }

  #startBeating(): void {
    // Over gRPC the connection keeps instances alive: no beats.
    if (this.#beatTimer || this.#grpc) return;
    this.#beatTimer = setInterval(() => void this.beat(), this.settings.beatMs);
    this.#beatTimer.unref();
  }

  #stopBeating(): void {
    if (this.#beatTimer) clearInterval(this.#beatTimer);
    this.#beatTimer = undefined;
  }

  /**
   * One heartbeat per registered instance (the beat timer calls this every `beatMs`). An instance
   * the server does not know (code 20404), and every instance after a round that failed (Nacos
   * was away: it may have restarted empty, or expired them), is registered again in full.
   */
  async beat(): Promise<void> {
    if (this.#beating || this.#registered.size === 0) return;
    this.#beating = true;
    try {
      const rewrite = this.#lost;
      const results = await Promise.allSettled([...this.#registered].map(([rid, held]) => this.#serial.run(rid, () => this.#beatOne(rid, held, rewrite))));
      this.#lost = results.some((r) => r.status === 'rejected');
    } finally {
      this.#beating = false;
    }
  }

  async #beatOne(rid: string, held: Held, rewrite: boolean): Promise<void> {
    if (this.#registered.get(rid) !== held) return;
    if (rewrite) return this.#put(rid, held);
    const body = await this.#http.request('PUT', '/nacos/v1/ns/instance/beat', {
      ...this.#instanceParams(held),
      serviceName: `${held.place.group}@@${held.serviceName}`,
      beat: JSON.stringify({
        cluster: held.place.cluster,
        ip: held.instance.ip,
        port: held.instance.port,
        metadata: held.instance.metadata,
        scheduled: false,
        period: this.settings.beatMs,
        serviceName: `${held.place.group}@@${held.serviceName}`,
        stopped: false,
        weight: held.instance.weight,
      }),
    });
    let code: unknown;
    try {
      code = (JSON.parse(body) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (code === RESOURCE_NOT_FOUND) {
      // The server forgot us: it restarted (or expired us). Subscribers hold their sets meanwhile.
      this.#http.markRecovered();
      await this.#put(rid, held);
    }
  }
}

/**
 * The address the server sends pushes to: loopback when the server is on this host (tests, a
 * local sidecar), else this host's advertised address (`MESHLET_IP_TO_REGISTRY` wins).
 */
function pushAddress(servers: readonly string[]): string {
  const host = (servers[0] ?? '').replace(/:\d+$/, '');
  return host === '127.0.0.1' || host === 'localhost' ? '127.0.0.1' : advertiseHost(undefined);
}

/** The key under which an application instance is held (beside registrations' ids): one per application and host. */
function instanceId(application: string, host: string): string {
  return `instance\u0000${application}\u0000${host}`;
}
