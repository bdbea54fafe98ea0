import { Code, toRpcError, type Endpoint, type EndpointListener, type Registration, type Registry, type ServiceKey, type Subscriber } from '@meshlet/core';
import { advertiseHost } from '@meshlet/core/runtime';
import { registrationId } from '../endpoint-set.js';
import { takeHeld } from '../held.js';
import { Serial } from '../serial.js';
import { Subscriptions, type Subscription } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError } from '../validate.js';
import type { NacosInstance } from './dubbo-naming.js';
import { NacosHttp } from './http.js';
import { namingFor, type NacosPlace } from './naming.js';
import { nacosSettings, type NacosRegistryOptions, type NacosSettings } from './options.js';
import { PushReceiver } from './push.js';
import { NacosServiceReader } from './reader.js';

/** Nacos' beat answer when the server does not know the instance (it restarted, or expired it). */
const RESOURCE_NOT_FOUND = 20404;
const EMPTY: readonly Endpoint[] = Object.freeze([]);

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
  readonly #readers = new Map<string, NacosServiceReader>();
  /** Which reader feeds each subscription. */
  readonly #readerOf = new Map<Subscription, string>();
  #push: PushReceiver | undefined;
  #udpPort: number | undefined;
  #beatTimer: NodeJS.Timeout | undefined;
  #beating = false;
  /** The last beat round failed: when the server answers again, every instance is written again. */
  #lost = false;
  #closed = false;

  constructor(options: NacosRegistryOptions | string) {
    this.settings = nacosSettings(options);
    this.#http = new NacosHttp(this.settings);
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
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

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
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
    if (!this.#push) {
      this.#push = new PushReceiver((name) => this.#onPush(name));
      this.#udpPort = await this.#push.port();
      if (this.#closed) throw closedError(this.name);
    }
    let reader = this.#readers.get(id);
    if (!reader) {
      const where = { ...this.settings, namespace: place.namespace, group: place.group };
      const clusters: Record<string, string> = place.readClusters === undefined ? {} : { clusters: place.readClusters };
      reader = new NacosServiceReader(serviceName, this.#http, where, () => ({ ...this.#pushParams(), ...clusters }), (set) => this.#deliver(id, set), (h) => naming.endpoint(h, key, protocol));
      this.#readers.set(id, reader);
      reader.start();
    }
    await reader.firstRead(this.settings.timeoutMs);
    if (this.#closed) throw closedError(this.name);
    // Unreachable Nacos and nothing known yet: an empty set now, the real one when Nacos answers.
    if (!sub.delivered) sub.offer(reader.set ?? EMPTY);
    return () => {
      this.#readerOf.delete(sub);
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
    this.#push?.close();
    this.#stopBeating();
    const mine = [...this.#registered];
    this.#registered.clear();
    if (mine.length > 0) {
      // Best effort: whatever is not deleted is dropped by the server when its beats stop.
      await Promise.allSettled(mine.map(([rid, held]) => this.#serial.run(rid, () => this.#delete(rid, held))));
    }
  }

  /** Every subscriber fed by a reader gets the set (keys differing only by ""/undefined share one name). */
  #deliver(id: string, set: readonly Endpoint[]): void {
    for (const [s, readerOf] of this.#readerOf) if (readerOf === id) s.offer(set);
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
    for (const reader of this.#readers.values()) {
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
    await this.#http.request('DELETE', '/nacos/v1/ns/instance', this.#instanceParams(held));
  }

  #startBeating(): void {
    if (this.#beatTimer) return;
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
    if (code === RESOURCE_NOT_FOUND) await this.#put(rid, held);
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
