import { ListedSet, type ReaderOptions } from '../listed-set.js';
import type { GrpcPlace, Listed, NacosGrpcNaming } from './naming-client.js';

/**
 * The gRPC counterpart of NacosServiceReader: a SubscribeServiceRequest at start (its answer is the
 * first set), each NotifySubscriberRequest push at once, and a ServiceQueryRequest every
 * `refreshMs` (a lost push heals itself), with the same empty protection.
 */
export class GrpcServiceReader<T> extends ListedSet<T> {
  readonly #naming: NacosGrpcNaming;
  readonly #place: GrpcPlace;
  readonly #clusters: string;
  #unsubscribe: (() => void) | undefined;
  /** The newest `lastRefTime` applied on connection `#generation`: an answer older than a push already applied is dropped. */
  #refTime = 0;
  #generation = 0;
  #listener = (listed: Listed) => this.#apply(listed);

  constructor(naming: NacosGrpcNaming, place: GrpcPlace, clusters: string, refreshMs: number, options: ReaderOptions<T>) {
    super(place.serviceName, refreshMs, options);
    this.#naming = naming;
    this.#place = place;
    this.#clusters = clusters;
  }

  start(): void {
    const { first, unsubscribe } = this.#naming.subscribe(this.#place, this.#clusters, this.#listener);
    this.#unsubscribe = unsubscribe;
    // A failed first answer: the redo subscribes again on the next connection, and a query is tried within a second.
    first.then((listed) => this.#apply(listed), () => this.retrySoon());
  }

  override stop(): void {
    super.stop();
    this.#unsubscribe?.();
  }

  async refresh(): Promise<void> {
    if (this.stopped) return;
    try {
      this.#apply(await this.#naming.query(this.#place, this.#clusters));
    } catch (err) {
      this.retrySoon();
      throw err;
    }
  }

  #apply(listed: Listed): void {
    if (this.stopped) return;
    // A subscribe or query answer can arrive after a newer push (they race on two streams).
    // Another connection (maybe another server, another clock): nothing to compare with.
    if (listed.generation !== this.#generation) {
      this.#generation = listed.generation;
      this.#refTime = 0;
    }
    if (listed.refTime > 0 && listed.refTime < this.#refTime) return;
    if (this.accept(listed.hosts)) this.#refTime = Math.max(this.#refTime, listed.refTime);
  }
}
