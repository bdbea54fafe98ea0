import { Code, toRpcError, type Endpoint, type EndpointListener, type MetadataFetcher, type Registration, type Registry, type ServiceKey, type Subscriber } from '@meshlet/core';
import { registrationId } from '../endpoint-set.js';
import { takeHeld } from '../held.js';
import { Serial } from '../serial.js';
import { Subscriptions, type Subscription } from '../subscription.js';
import { checkRegistration, checkServiceKey, closedError, invalidArgument } from '../validate.js';
import { AppDiscovery } from './app-discovery.js';
import { AppInstances, APP_PROTOCOLS } from './app-instances.js';
import { migrate } from '../app-level/instance-services.js';
import { addToMapping } from './app-mapping.js';
import type { ZookeeperLayout, ZookeeperNode } from './layout.js';
import { zookeeperSettings, type ZookeeperRegistryOptions, type ZookeeperSettings } from './options.js';
import { ZkSession } from './session.js';
import { PathWatch } from './watch.js';
import { zkCode, ZkCode } from './zk.js';

/** A node this registry keeps alive for one registration. */
interface OwnNode {
  /** None for application-level instance nodes. */
  readonly layout?: ZookeeperLayout;
  /** Path on the server (chroot included). */
  readonly path: string;
  readonly data: Buffer | undefined;
}


/**
 * The `zookeeper` registry (node-zookeeper-client, pure JS): providers are ephemeral nodes in the
 * layout of their protocol's ecosystem (Dubbo, SOFARPC, Motan), so Java and Node peers find them
 * and are found. A crashed provider's nodes go when its session times out. Session expiry is
 * survived: a new session re-creates the nodes and re-arms the watches, and subscribers keep the
 * last known providers meanwhile. See README.md.
 */
export class ZookeeperRegistry implements Registry {
  readonly name = 'zookeeper';
  readonly settings: ZookeeperSettings;
  readonly #session: ZkSession;
  readonly #nodes = new Map<string, OwnNode>();
  /** Removals that could not reach ZooKeeper: retried on reconnect (a node of a live session would stay). */
  readonly #removals = new Map<string, OwnNode>();
  readonly #serial = new Serial();
  readonly #subs = new Subscriptions();
  readonly #watches = new Map<string, PathWatch>();
  readonly #subWatches = new Map<Subscription, PathWatch[]>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #consumerIds = 0;
  /** Dubbo 3 application-level registration (register-mode instance/all): see app-instances.ts. */
  readonly #apps = new AppInstances();
  /** Dubbo 3 application-level discovery per interface (migration APPLICATION_FIRST / FORCE_APPLICATION). */
  readonly #discoveries = new Map<string, AppDiscovery>();
  readonly #subDiscovery = new Map<Subscription, AppDiscovery>();
  #fetcher: MetadataFetcher | undefined;

  constructor(options: ZookeeperRegistryOptions | string) {
    this.settings = zookeeperSettings(options);
    this.#session = new ZkSession({
      servers: this.settings.servers,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      timeoutMs: this.settings.timeoutMs,
      digest: this.settings.digest,
    });
    this.#session.on('connected', (fresh: boolean) => this.#onConnected(fresh));
  }

  /** The current session's id (hex), once connected. */
  get sessionId(): string | undefined {
    return this.#session.sessionId;
  }

  async register(registration: Registration): Promise<void> {
    if (this.#closed) throw closedError(this.name);
    const r = checkRegistration(registration);
    const mode = this.settings.registerMode;
    const instance = mode !== 'interface' && AppInstances.eligible(r);
    if (!instance || mode === 'all') await this.#registerInterface(r);
    if (instance) await this.#registerInstance(r);
  }

  async #registerInterface(r: Registration): Promise<void> {
    const layout = this.settings.layouts.get(r.endpoint.protocol);
    if (!layout) {
      throw invalidArgument(`zookeeper registry has no layout for protocol "${r.endpoint.protocol}" (have: ${[...this.settings.layouts.keys()].join(', ')})`);
    }
    const node = layout.providerNode(r);
    const own: OwnNode = { layout, path: this.settings.chroot + node.path, data: node.data };
    const rid = registrationId(r.service, r.endpoint);
    const previous = this.#nodes.get(rid);
    // Wanted from now on: when ZooKeeper is unreachable the promise rejects, but the node is
    // created once it is back (failback), until unregister or close.
    this.#nodes.set(rid, own);
    this.#removals.delete(own.path);
    this.#start();
    await this.#session.whenConnected();
    await this.#serial.run(own.path, () => this.#ensure(own, true));
    // Registered again with other params: Dubbo and SOFA names change with them.
    if (previous && previous.path !== own.path) await this.#serial.run(previous.path, () => this.#remove(previous));
    await this.#refreshParentOf(own.path);
  }

  async unregister(registration: Registration): Promise<void> {
    if (this.#closed) return;
    const own = takeHeld(this.#nodes, registration)?.value;
    await this.#unregisterInstance(registration);
    if (!own) return;
    await this.#serial.run(own.path, () => this.#remove(own));
    await this.#refreshParentOf(own.path);
  }

  /**
   * The application instance node (`/services/{app}/{ip}:{port}`) with the revision of all its
   * registrations, then each interface's mapping to the application. Ephemeral and kept like a
   * registration's node; the mappings are persistent, written once per interface.
   */
  async #registerInstance(r: Registration): Promise<void> {
    const node = this.#apps.add(r);
    const own: OwnNode = { path: this.settings.chroot + node.path, data: node.data };
    this.#nodes.set(instanceId(node.path), own);
    this.#removals.delete(own.path);
    this.#start();
    await this.#session.whenConnected();
    await this.#serial.run(own.path, () => this.#ensure(own, true));
    if (node.replaces !== undefined) await this.#dropInstance(node.replaces);
    const zk = this.#session.zk;
    if (!zk) throw closedError(this.name);
    for (const m of node.mappings) {
      await this.#serial.run(this.settings.chroot + m, () => addToMapping(zk, this.settings.chroot + m, node.application))
        .catch((err: unknown) => { throw toRpcError(err, Code.Unavailable); });
    }
  }

  async #unregisterInstance(registration: Registration): Promise<void> {
    if (!AppInstances.eligible(registration)) return;
    const left = this.#apps.remove(checkRegistration(registration));
    if (!left) return;
    const id = instanceId(left.path);
    const previous = this.#nodes.get(id);
    if (left.node) {
      const own: OwnNode = { path: this.settings.chroot + left.node.path, data: left.node.data };
      this.#nodes.set(instanceId(left.node.path), own);
      await this.#serial.run(own.path, () => this.#ensure(own, false));
      if (left.node.replaces !== undefined) await this.#dropInstance(left.node.replaces);
    } else if (previous) {
      this.#nodes.delete(id);
      await this.#serial.run(previous.path, () => this.#remove(previous));
    }
  }

  /** Removes the node an instance had before its port moved (a dubbo port joined or left beside tri). */
  async #dropInstance(path: string): Promise<void> {
    const id = instanceId(path);
    const previous = this.#nodes.get(id);
    if (!previous) return;
    this.#nodes.delete(id);
    await this.#serial.run(previous.path, () => this.#remove(previous));
  }

  /** The runtime's way to read an instance's MetadataInfo; application-level discovery needs it. */
  useMetadataFetcher(fetch: MetadataFetcher): void {
    this.#fetcher = fetch;
  }

  /** The application-level discovery a Dubbo subscription of `service` uses, if any. */
  #discoveryFor(service: ServiceKey, subscriber: Subscriber | undefined): AppDiscovery | undefined {
    const layout = this.settings.layouts.get('dubbo');
    if (this.settings.migration === 'FORCE_INTERFACE' || !this.#fetcher || !layout) return undefined;
    if (subscriber && !APP_PROTOCOLS.includes(subscriber.protocol)) return undefined;
    let d = this.#discoveries.get(service.interface);
    if (!d) {
      d = new AppDiscovery(service.interface, this.settings.chroot, this.#session, layout, this.#fetcher, (changed) => this.#changedApp(changed));
      this.#discoveries.set(service.interface, d);
      void d.refresh();
    }
    return d;
  }

  #changedApp(d: AppDiscovery): void {
    for (const sub of d.subs as Set<Subscription>) {
      const all = this.#subWatches.get(sub);
      if (!all || (!sub.delivered && (!all.every((w) => w.known) || !d.known))) continue;
      sub.offer(this.#setFor(sub));
    }
  }

  async subscribe(service: ServiceKey, listener: EndpointListener, subscriber?: Subscriber): Promise<() => void> {
    if (this.#closed) throw closedError(this.name);
    const key = checkServiceKey(service);
    await this.#start();
    const listed = subscriber ? this.#listConsumer(key, subscriber) : undefined;
    const sub = this.#subs.add(key, listener);
    const watches: PathWatch[] = [];
    for (const layout of new Set(this.settings.layouts.values())) {
      const dir = layout.providersPath(key);
      const id = `${layout.name}\u0000${dir}`;
      let watch = this.#watches.get(id);
      if (!watch) {
        watch = new PathWatch(layout, dir, this.settings.chroot + dir, this.#session, (w) => this.#changed(w));
        this.#watches.set(id, watch);
        void watch.refresh();
      }
      watch.subs.add(sub);
      watches.push(watch);
    }
    const discovery = this.#discoveryFor(key, subscriber);
    if (discovery) {
      discovery.subs.add(sub);
      this.#subDiscovery.set(sub, discovery);
    }
    this.#subWatches.set(sub, watches);
    await Promise.all([...watches.map((w) => w.firstRead(this.settings.timeoutMs)), discovery?.firstRead(this.settings.timeoutMs)]);
    if (this.#closed) throw closedError(this.name);
    // Unreachable ZooKeeper and nothing known yet: what is known now (possibly nothing), the rest when it answers.
    if (!sub.delivered) sub.offer(this.#setFor(sub));
    return () => {
      if (listed) this.#unlistConsumer(listed);
      if (!this.#subs.remove(sub)) return;
      this.#subWatches.delete(sub);
      if (discovery) {
        this.#subDiscovery.delete(sub);
        discovery.subs.delete(sub);
        if (discovery.subs.size === 0) {
          discovery.stop();
          this.#discoveries.delete(key.interface);
        }
      }
      for (const w of watches) {
        w.subs.delete(sub);
        if (w.subs.size > 0) continue;
        w.stop();
        this.#watches.delete(`${w.layout.name}\u0000${w.dir}`);
      }
    };
  }

  /**
   * Writes the subscriber's consumer node where its layout keeps one (Dubbo), ephemeral and kept
   * like a registration (re-created in a new session); best effort: discovery never waits on it.
   */
  #listConsumer(service: ServiceKey, subscriber: Subscriber): string | undefined {
    const layout = this.settings.layouts.get(subscriber.protocol);
    if (!layout?.consumerNode) return undefined;
    let node: ZookeeperNode;
    try {
      node = layout.consumerNode(service, subscriber);
    } catch {
      return undefined; // a name ZooKeeper cannot hold: discovery goes on without the listing
    }
    const own: OwnNode = { layout, path: this.settings.chroot + node.path, data: node.data };
    const id = `consumer\u0000${++this.#consumerIds}`;
    this.#nodes.set(id, own);
    void this.#session.whenConnected().then(() => this.#serial.run(own.path, () => this.#ensure(own, false)), () => {});
    return id;
  }

  #unlistConsumer(id: string): void {
    const own = this.#nodes.get(id);
    if (!own) return;
    this.#nodes.delete(id);
    void this.#serial.run(own.path, () => this.#remove(own));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subs.clear();
    this.#subWatches.clear();
    for (const w of this.#watches.values()) w.stop();
    this.#watches.clear();
    for (const d of this.#discoveries.values()) d.stop();
    this.#discoveries.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const mine = [...this.#nodes.values()];
    this.#nodes.clear();
    const zk = this.#session.zk;
    if (zk && this.#session.connected && mine.length > 0) {
      // Removed explicitly so subscribers hear of it at once; closing the session would remove
      // them too, and whatever is left when the timeout ends goes with it.
      await Promise.race([
        Promise.allSettled(mine.map((own) => this.#serial.run(own.path, () => zk.remove(own.path)))),
        new Promise((resolve) => setTimeout(resolve, this.settings.timeoutMs).unref()),
      ]);
    }
    this.#session.close();
  }

  /** Starts the session; callers that can report a failure (a missing client library) await it. */
  #start(): Promise<void> {
    const started = this.#session.start();
    started.catch(() => {}); // the rest must not crash the process with an unhandled rejection
    if (this.#timer) return started;
    this.#timer = setInterval(() => this.#periodic(), this.settings.refreshMs);
    this.#timer.unref();
    return started;
  }

  /** A lost watch event or a node deleted by someone else heals here. */
  #periodic(): void {
    if (!this.#session.connected) return;
    for (const own of this.#nodes.values()) void this.#serial.run(own.path, () => this.#ensure(own, false));
    for (const w of this.#watches.values()) void w.refresh();
    for (const d of this.#discoveries.values()) void d.refresh();
  }

  /**
   * Connected (first time, after a reconnect, or in a new session after expiry): nodes first, so
   * that this process never sees its own providers vanish; then pending removals; then re-read
   * every watched directory (re-arming the watches a new session lacks).
   */
  #onConnected(fresh: boolean): void {
    if (this.#closed) return;
    if (fresh) for (const w of this.#watches.values()) w.disarm();
    if (fresh) for (const d of this.#discoveries.values()) d.disarm();
    const ensured = [...this.#nodes.values()].map((own) => this.#serial.run(own.path, () => this.#ensure(own, false)));
    for (const own of this.#removals.values()) void this.#serial.run(own.path, () => this.#remove(own));
    void Promise.allSettled(ensured).then(() => {
      for (const w of this.#watches.values()) void w.refresh();
      for (const d of this.#discoveries.values()) void d.refresh();
    });
  }

  #wanted(own: OwnNode): boolean {
    for (const n of this.#nodes.values()) if (n === own) return true;
    return false;
  }

  /** Makes sure `own` exists as an ephemeral node of the current session. */
  async #ensure(own: OwnNode, strict: boolean): Promise<void> {
    if (!this.#wanted(own) || this.#closed) return;
    const zk = this.#session.zk;
    try {
      if (!zk || !this.#session.connected) throw new Error('not connected');
      await zk.mkdirp(parentOf(own.path));
      try {
        await zk.createEphemeral(own.path, own.data);
      } catch (err) {
        if (zkCode(err) !== ZkCode.NodeExists) throw err;
        const stat = await zk.exists(own.path);
        const ours = stat !== null && stat.ephemeralOwner.equals(zk.client.getSessionId());
        if (!ours) {
          // Left by a session that has not timed out yet (this process before a restart, or a
          // previous session of this registry), or a persistent node: ours now.
          if (stat) await zk.remove(own.path, stat.version);
          await zk.createEphemeral(own.path, own.data);
        } else if (own.data && stat) {
          await zk.setData(own.path, own.data);
        }
      }
    } catch (err) {
      if (strict) throw toRpcError(err, Code.Unavailable);
    }
  }

  async #remove(own: OwnNode): Promise<void> {
    for (const n of this.#nodes.values()) if (n.path === own.path) return; // wanted again meanwhile
    const zk = this.#session.zk;
    try {
      if (!zk || !this.#session.connected) throw new Error('not connected');
      await zk.remove(own.path);
      this.#removals.delete(own.path);
    } catch {
      if (!this.#closed) this.#removals.set(own.path, own);
    }
  }

  async #refreshParentOf(path: string): Promise<void> {
    const parent = parentOf(path);
    await Promise.all([...this.#watches.values()].filter((w) => w.path === parent).map((w) => w.refresh()));
  }

  #changed(watch: PathWatch): void {
    for (const sub of watch.subs) {
      const all = this.#subWatches.get(sub);
      // Before its first delivery a subscriber waits for all of its directories and its
      // application-level discovery (or subscribe's timeout).
      if (!all || (!sub.delivered && (!all.every((w) => w.known) || this.#subDiscovery.get(sub)?.known === false))) continue;
      sub.offer(this.#setFor(sub));
    }
  }

  /**
   * The interface-level providers, and for dubbo and tri subscriptions with application-level
   * discovery the migration rule (app-level/instance-services.ts). Other protocols' endpoints
   * always come from their layouts.
   */
  #setFor(sub: Subscription): readonly Endpoint[] {
    const endpoints: Endpoint[] = [];
    for (const w of this.#subWatches.get(sub) ?? []) endpoints.push(...w.providersFor(sub.service));
    return migrate(endpoints, this.#subDiscovery.get(sub)?.endpointsFor(sub.service), this.settings.migration);
  }
}

function instanceId(path: string): string {
  return `instance\u0000${path}`;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
