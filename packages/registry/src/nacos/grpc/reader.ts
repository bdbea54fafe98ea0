import type { ReaderOptions } from '../reader.js';
import { FirstReadWaiters } from '../../serial.js';
import type { GrpcPlace, Listed, NacosGrpcNaming } from './naming-client.js';

const RETRY_MS = 1000;

/** What the registry and application-level discovery use of a reader, over HTTP (NacosServiceReader) or gRPC. */
export interface NacosReader<T> {
  readonly serviceName: string;
  readonly set: readonly T[] | undefined;
  start(): void;
  stop(): void;
  firstRead(timeoutMs: number): Promise<void>;
  refresh(): Promise<void>;
}

/**
 * The gRPC counterpart of NacosServiceReader: a SubscribeServiceRequest at start (its answer is the
 * first set), each NotifySubscriberRequest push at once, and a ServiceQueryRequest every
 * `refreshMs` (a lost push heals itself). The same empty protection: an empty list does not replace
 * a non-empty one while `holdEmpty()` (read again each second until it ends).
 */
export class GrpcServiceReader<T> implements NacosReader<T> {
  readonly serviceName: string;
  readonly #naming: NacosGrpcNaming;
  readonly #place: GrpcPlace;
  readonly #clusters: string;
  readonly #o: ReaderOptions<T>;
  readonly #firstWaiters = new FirstReadWaiters();
  readonly #refreshMs: number;
  #set: readonly T[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;
  /** The newest `lastRefTime` applied on connection `#generation`: an answer older than a push already applied is dropped. */
  #refTime = 0;
  #generation = 0;
  #listener = (listed: Listed) => this.#apply(listed);

  constructor(naming: NacosGrpcNaming, place: GrpcPlace, clusters: string, refreshMs: number, options: ReaderOptions<T>) {
    this.serviceName = place.serviceName;
    this.#naming = naming;
    this.#place = place;
    this.#clusters = clusters;
    this.#refreshMs = refreshMs;
    this.#o = options;
  }

  get set(): readonly T[] | undefined {
    return this.#set;
  }

  start(): void {
    const { first, unsubscribe } = this.#naming.subscribe(this.#place, this.#clusters, this.#listener);
    this.#unsubscribe = unsubscribe;
    // A failed first answer: the redo subscribes again on the next connection, and a query is tried within a second.
    first.then((listed) => this.#apply(listed), () => this.#schedule(RETRY_MS));
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstWaiters.release();
  }

  firstRead(timeoutMs: number): Promise<void> {
    if (this.#set !== undefined || this.#stopped) return Promise.resolve();
    return this.#firstWaiters.wait(timeoutMs);
  }

  async refresh(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#apply(await this.#naming.query(this.#place, this.#clusters));
    } catch (err) {
      this.#schedule(Math.min(this.#refreshMs, RETRY_MS));
      throw err;
    }
  }

  #apply(listed: Listed): void {
    if (this.#stopped) return;
    // A subscribe or query answer can arrive after a newer push (they race on two streams).
    // Another connection (maybe another server, another clock): nothing to compare with.
    if (listed.generation !== this.#generation) {
      this.#generation = listed.generation;
      this.#refTime = 0;
    }
    if (listed.refTime > 0 && listed.refTime < this.#refTime) return;
    const items = this.#o.toItems(listed.hosts);
    if (items.length === 0 && (this.#set?.length ?? 0) > 0 && this.#o.holdEmpty()) {
      this.#schedule(Math.min(this.#refreshMs, RETRY_MS));
      return;
    }
    this.#set = items;
    this.#refTime = Math.max(this.#refTime, listed.refTime);
    this.#o.onSet(items);
    this.#firstWaiters.release();
    this.#schedule(this.#refreshMs);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh().catch(() => {}), ms);
    this.#timer.unref();
  }
}
