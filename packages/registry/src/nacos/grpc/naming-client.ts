import type { ListedHost, NacosInstance } from '../dubbo-naming.js';
import type { NacosSettings } from '../options.js';
import type { NacosToken } from '../token.js';
import { NacosGrpcConnection } from './connection.js';
import { NacosGrpcError, NACOS_CODES } from './errors.js';

/** Where a service lives: the Nacos namespace, group, service name (and the instances' cluster). */
export interface GrpcPlace {
  readonly namespace: string;
  readonly group: string;
  readonly serviceName: string;
  readonly cluster: string;
}

/** A service's hosts as the server lists them, and when it last changed (`lastRefTime`, ms; 0 if absent). */
export interface Listed {
  readonly hosts: readonly ListedHost[];
  readonly refTime: number;
  /** The connection it came on (NacosGrpcConnection.generation). */
  readonly generation: number;
}

type HostsListener = (listed: Listed) => void;

interface Subscribed {
  readonly place: GrpcPlace;
  readonly clusters: string;
  readonly listeners: Set<HostsListener>;
}

const key = (p: Omit<GrpcPlace, 'cluster'>) => [p.namespace, p.group, p.serviceName].join('\u0000');

/**
 * Nacos 2.x naming over one long connection (nacos-client's NamingGrpcClientProxy): ephemeral
 * instances live as long as the connection (no beats), subscriptions get NotifySubscriberRequest
 * pushes, and both are sent again on every new connection (the redo). A connection holds one
 * instance set per service, so two instances of one service (dubbo and tri ports) go as a
 * BatchInstanceRequest, as nacos-client's batchRegisterInstance.
 */
export class NacosGrpcNaming {
  readonly #conn: NacosGrpcConnection;
  readonly #token: NacosToken;
  /** Per service: the instances we publish, by `ip:port`. */
  readonly #published = new Map<string, { place: GrpcPlace; instances: Map<string, NacosInstance> }>();
  readonly #subscribed = new Map<string, Subscribed>();

  /** `token`: the registry's (its HTTP client logs in; Nacos 2.x has no gRPC login). */
  constructor(settings: NacosSettings, token: NacosToken) {
    this.#token = token;
    this.#conn = new NacosGrpcConnection({
      servers: settings.servers,
      timeoutMs: settings.timeoutMs,
      keepAliveMs: Math.min(settings.beatMs, 5000),
      namespace: settings.namespace,
      labels: { source: 'sdk', module: 'naming', 'AppName': 'meshlet' },
      headers: async (): Promise<Record<string, string>> => {
        const token = await this.#token.get();
        return token === undefined ? {} : { accessToken: token };
      },
      onServerRequest: (type, body) => (type === 'NotifySubscriberRequest' ? this.#onNotify(body) : undefined),
      onConnected: () => this.#redo(),
    });
  }

  /** When a connection was set up again after one was lost (the server may have restarted empty). */
  get recoveredAt(): number {
    return this.#conn.recoveredAt;
  }

  get connection(): NacosGrpcConnection {
    return this.#conn;
  }

  async register(place: GrpcPlace, instance: NacosInstance): Promise<void> {
    const k = key(place);
    let entry = this.#published.get(k);
    if (!entry) this.#published.set(k, (entry = { place, instances: new Map() }));
    entry.instances.set(`${instance.ip}:${instance.port}`, instance);
    await this.#publish(k);
  }

  async deregister(place: GrpcPlace, instance: NacosInstance): Promise<void> {
    const k = key(place);
    const entry = this.#published.get(k);
    if (!entry?.instances.delete(`${instance.ip}:${instance.port}`)) return;
    if (!this.#conn.connected) {
      if (entry.instances.size === 0) this.#published.delete(k);
      return; // no connection: the server has dropped it with the connection
    }
    await this.#request('InstanceRequest', { ...where(place), type: 'deregisterInstance', instance: toWire(instance, place) });
    if (entry.instances.size === 0) this.#published.delete(k);
    else await this.#publish(k);
  }

  /**
   * Subscribes (once per service): `first` is the subscribe answer, `listener` gets every push and
   * every redo's answer. Kept until `unsubscribe`, even when `first` fails (the redo subscribes).
   */
  subscribe(place: GrpcPlace, clusters: string, listener: HostsListener): { first: Promise<Listed>; unsubscribe: () => void } {
    const k = key(place);
    let s = this.#subscribed.get(k);
    if (!s) this.#subscribed.set(k, (s = { place, clusters, listeners: new Set() }));
    s.listeners.add(listener);
    const sub = s;
    const unsubscribe = () => {
      sub.listeners.delete(listener);
      if (sub.listeners.size > 0 || this.#subscribed.get(k) !== sub) return;
      this.#subscribed.delete(k);
      if (this.#conn.connected) void this.#request('SubscribeServiceRequest', { ...where(place), subscribe: false, clusters }).catch(() => {});
    };
    const first = this.#request('SubscribeServiceRequest', { ...where(place), subscribe: true, clusters }).then((body) => this.#listed(body.serviceInfo));
    return { first, unsubscribe };
  }

  /** ServiceQueryRequest: the periodic full read that heals a lost push. */
  async query(place: GrpcPlace, clusters: string): Promise<Listed> {
    const body = await this.#request('ServiceQueryRequest', { ...where(place), cluster: clusters, healthyOnly: false, udpPort: 0 });
    return this.#listed(body.serviceInfo);
  }

  close(): void {
    this.#published.clear();
    this.#subscribed.clear();
    this.#conn.close();
  }

  async #publish(k: string): Promise<void> {
    const entry = this.#published.get(k);
    if (!entry) return;
    const all = [...entry.instances.values()].map((i) => toWire(i, entry.place));
    if (all.length === 1) await this.#request('InstanceRequest', { ...where(entry.place), type: 'registerInstance', instance: all[0] });
    else await this.#request('BatchInstanceRequest', { ...where(entry.place), type: 'batchRegisterInstance', instances: all });
  }

  /** A request; a refused token is renewed once (the server restarted and forgot its sessions). */
  async #request(type: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return await this.#conn.request(type, body);
    } catch (err) {
      if (err instanceof NacosGrpcError && err.errorCode === NACOS_CODES.NO_RIGHT && this.#token.renewable) {
        this.#token.invalidate();
        return this.#conn.request(type, body);
      }
      throw err;
    }
  }

  async #redo(): Promise<void> {
    await Promise.allSettled([
      ...[...this.#published.keys()].map((k) => this.#publish(k)),
      ...[...this.#subscribed.values()].map(async (s) => {
        const body = await this.#request('SubscribeServiceRequest', { ...where(s.place), subscribe: true, clusters: s.clusters });
        if (this.#subscribed.get(key(s.place)) !== s) return;
        const listed = this.#listed(body.serviceInfo);
        for (const l of s.listeners) l(listed);
      }),
    ]);
  }

  #listed(info: unknown): Listed {
    const o = typeof info === 'object' && info !== null ? (info as { hosts?: unknown; lastRefTime?: unknown }) : {};
    const refTime = typeof o.lastRefTime === 'number' && Number.isFinite(o.lastRefTime) ? o.lastRefTime : 0;
    return { hosts: Array.isArray(o.hosts) ? (o.hosts as ListedHost[]) : [], refTime, generation: this.#conn.generation };
  }

  #onNotify(body: Record<string, unknown>): Record<string, unknown> {
    const info = body.serviceInfo as { name?: unknown; groupName?: unknown } | undefined;
    if (typeof info === 'object' && info !== null && typeof info.name === 'string') {
      // `name` may come as `group@@service` (Nacos' grouped name) or bare with `groupName` beside it.
      const at = info.name.indexOf('@@');
      const group = at >= 0 ? info.name.slice(0, at) : typeof info.groupName === 'string' ? info.groupName : undefined;
      const name = at >= 0 ? info.name.slice(at + 2) : info.name;
      const listed = this.#listed(info);
      // One connection subscribes in several namespaces (SOFA's `sofa-rpc` beside Dubbo's).
      const namespace = typeof body.namespace === 'string' && body.namespace !== '' ? body.namespace : undefined;
      for (const s of this.#subscribed.values()) {
        if (s.place.serviceName !== name || (group !== undefined && s.place.group !== group)) continue;
        if (namespace !== undefined && where(s.place).namespace !== namespace) continue;
        for (const l of s.listeners) l(listed);
      }
    }
    return {};
  }
}

function where(p: GrpcPlace): Record<string, string> {
  // Nacos 2.x clients name the default namespace `public` (r-nacos 0.8.8's batch handler takes an
  // empty one for a group name and files the instances under namespace DEFAULT_GROUP).
  return { namespace: p.namespace === '' ? 'public' : p.namespace, serviceName: p.serviceName, groupName: p.group };
}

function toWire(i: NacosInstance, place: GrpcPlace): Record<string, unknown> {
  return {
    ip: i.ip,
    port: i.port,
    weight: i.weight,
    healthy: true,
    enabled: true,
    ephemeral: true,
    clusterName: place.cluster,
    serviceName: place.serviceName,
    metadata: i.metadata,
  };
}

