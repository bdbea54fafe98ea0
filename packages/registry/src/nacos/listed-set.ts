import { FirstReadWaiters } from '../serial.js';
import type { ListedHost } from './dubbo-naming.js';

/** A failed or held read is tried again within this, not a whole refresh period later. */
export const RETRY_MS = 1000;

/** How a reader turns the listed hosts into what its subscribers get, and when an empty read waits. */
export interface ReaderOptions<T> {
  /** The items of one read (endpoints, application instances); malformed hosts are left out. */
  readonly toItems: (hosts: readonly ListedHost[]) => readonly T[];
  /** True while an empty read must not replace a non-empty set (see NacosRegistry's empty protection). */
  readonly holdEmpty: () => boolean;
  /** Extra list parameters (`udpPort`, `clientIP`) that ask the server to push changes (HTTP only). */
  readonly extra: () => Record<string, string>;
  readonly onSet: (set: readonly T[]) => void;
}

/** What the registry and application-level discovery use of a reader, over HTTP or gRPC. */
export interface NacosReader<T> {
  readonly serviceName: string;
  readonly set: readonly T[] | undefined;
  start(): void;
  stop(): void;
  firstRead(timeoutMs: number): Promise<void>;
  refresh(): Promise<void>;
}

/**
 * The instances of one Nacos service as both transports keep them: the last accepted set, callers
 * waiting for the first one, and the next full read. An empty listing does not replace a
 * non-empty set while `holdEmpty()` (the server may have just restarted): it is read again each
 * second until the instances are back or the hold ends.
 */
export abstract class ListedSet<T> implements NacosReader<T> {
  readonly serviceName: string;
  protected readonly options: ReaderOptions<T>;
  readonly #refreshMs: number;
  readonly #firstWaiters = new FirstReadWaiters();
  #set: readonly T[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(serviceName: string, refreshMs: number, options: ReaderOptions<T>) {
    this.serviceName = serviceName;
    this.#refreshMs = refreshMs;
    this.options = options;
  }

  abstract start(): void;
  abstract refresh(): Promise<void>;

  get set(): readonly T[] | undefined {
    return this.#set;
  }

  protected get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstWaiters.release();
  }

  firstRead(timeoutMs: number): Promise<void> {
    if (this.#set !== undefined || this.#stopped) return Promise.resolve();
    return this.#firstWaiters.wait(timeoutMs);
  }

  /** Takes one listing (false: an empty one held back, read again soon) and plans the next read. */
  protected accept(hosts: readonly ListedHost[]): boolean {
    const items = this.options.toItems(hosts);
    if (items.length === 0 && (this.#set?.length ?? 0) > 0 && this.options.holdEmpty()) {
      this.retrySoon();
      return false;
    }
    this.#set = items;
    this.options.onSet(items);
    this.#firstWaiters.release();
    this.#schedule(this.#refreshMs);
    return true;
  }

  /** A failed read: try again within a second (a server that is back, or a login that failed transiently, is seen soon). */
  protected retrySoon(): void {
    this.#schedule(Math.min(this.#refreshMs, RETRY_MS));
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh().catch(() => {}), ms);
    this.#timer.unref();
  }
}
