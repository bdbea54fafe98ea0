// What the client holds per resource (value, version, status, last error, watchers) and the
// does-not-exist timers. Values stay when the control plane goes away: only the control plane
// (a removal, a full-state response without the resource) or the timer makes one not exist.
import type { XdsObject } from '../decode/decode.js';
import { xdsUpdate } from '../metrics.js';

export type ResourceStatus = 'REQUESTED' | 'ACKED' | 'NACKED' | 'DOES_NOT_EXIST';

export interface ResourceError {
  readonly message: string;
  /** The version_info of the response that carried the invalid resource. */
  readonly version: string;
  readonly at: Date;
}

/** What a watcher is told with each value. */
export interface ResourceMeta {
  readonly typeUrl: string;
  readonly name: string;
  /** The version the value came with ('' before any). */
  readonly version: string;
  readonly status: ResourceStatus;
  readonly lastUpdated?: Date | undefined;
  readonly error?: ResourceError | undefined;
}

/** `undefined`: the resource does not exist (removed, or not found within the timeout). */
export type ResourceWatcher = (resource: XdsObject | undefined, meta: ResourceMeta) => void;

/** The name a wildcard watcher subscribes with: every resource of the type (LDS and CDS). */
export const WILDCARD = '*';

export class ResourceEntry {
  readonly watchers = new Set<ResourceWatcher>();
  value: XdsObject | undefined;
  bytes: Buffer | undefined;
  version = '';
  status: ResourceStatus = 'REQUESTED';
  lastUpdated: Date | undefined;
  error: ResourceError | undefined;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly typeUrl: string, readonly name: string) {}

  meta(): ResourceMeta {
    return { typeUrl: this.typeUrl, name: this.name, version: this.version, status: this.status, lastUpdated: this.lastUpdated, error: this.error };
  }
}

export class TypeState {
  readonly entries = new Map<string, ResourceEntry>();
  readonly wildcardWatchers = new Set<ResourceWatcher>();
  /** SotW: the version_info last ACKed, and the nonce last seen. */
  version = '';
  nonce = '';

  constructor(readonly typeUrl: string) {}

  get wildcard(): boolean {
    return this.wildcardWatchers.size > 0;
  }

  /** The names explicitly watched (the wildcard apart). */
  names(): string[] {
    return [...this.entries.values()].filter((e) => e.watchers.size > 0).map((e) => e.name);
  }

  /** Whether a resource of this name is wanted: watched by name, or covered by a wildcard. */
  wants(name: string): boolean {
    return this.wildcard || (this.entries.get(name)?.watchers.size ?? 0) > 0;
  }
}

function call(watcher: ResourceWatcher, value: XdsObject | undefined, meta: ResourceMeta): void {
  try {
    watcher(value, meta);
  } catch (err) {
    // A watcher's bug must not stop the others, nor the stream.
    process.emitWarning(`xDS watcher of ${meta.typeUrl} ${meta.name} threw: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class ResourceCache {
  readonly types = new Map<string, TypeState>();

  constructor(private readonly timeoutMs: number) {}

  type(typeUrl: string): TypeState {
    let t = this.types.get(typeUrl);
    if (t === undefined) this.types.set(typeUrl, (t = new TypeState(typeUrl)));
    return t;
  }

  entry(typeUrl: string, name: string): ResourceEntry {
    const t = this.type(typeUrl);
    let e = t.entries.get(name);
    if (e === undefined) t.entries.set(name, (e = new ResourceEntry(typeUrl, name)));
    return e;
  }

  /** Adds a watcher; replays what is known at once. Returns true when the name is newly wanted. */
  watch(typeUrl: string, name: string, watcher: ResourceWatcher): boolean {
    const t = this.type(typeUrl);
    if (name === WILDCARD) {
      const fresh = !t.wildcard;
      t.wildcardWatchers.add(watcher);
      for (const e of t.entries.values()) if (e.value !== undefined) call(watcher, e.value, e.meta());
      return fresh;
    }
    const e = this.entry(typeUrl, name);
    const fresh = e.watchers.size === 0;
    e.watchers.add(watcher);
    if (e.value !== undefined || e.status === 'DOES_NOT_EXIST') call(watcher, e.value, e.meta());
    return fresh;
  }

  /** Removes a watcher; returns true when the name is no longer wanted (the caller unsubscribes). */
  unwatch(typeUrl: string, name: string, watcher: ResourceWatcher): boolean {
    const t = this.type(typeUrl);
    if (name === WILDCARD) {
      if (!t.wildcardWatchers.delete(watcher) || t.wildcard) return false;
      // Resources kept only for the wildcard go with it.
      for (const e of [...t.entries.values()]) if (e.watchers.size === 0) this.drop(t, e);
      return true;
    }
    const e = t.entries.get(name);
    if (e === undefined || !e.watchers.delete(watcher) || e.watchers.size > 0) return false;
    if (!t.wildcard) this.drop(t, e);
    return true;
  }

  private drop(t: TypeState, e: ResourceEntry): void {
    clearTimeout(e.timer);
    t.entries.delete(e.name);
  }

  /** A valid resource from the control plane; watchers hear of it when it changed. */
  accept(typeUrl: string, name: string, value: XdsObject, bytes: Buffer, version: string): void {
    const e = this.entry(typeUrl, name);
    clearTimeout(e.timer);
    e.timer = undefined;
    e.version = version;
    e.status = 'ACKED';
    e.error = undefined;
    if (e.bytes !== undefined && e.bytes.equals(bytes)) return; // the same resource again
    e.value = value;
    e.bytes = bytes;
    e.lastUpdated = new Date();
    xdsUpdate(typeUrl, 'applied');
    this.notify(e);
  }

  /** An invalid resource: NACKED with the error, its last good value (if any) kept. */
  reject(typeUrl: string, name: string, message: string, version: string): void {
    const t = this.type(typeUrl);
    if (!t.wants(name)) return;
    const e = this.entry(typeUrl, name);
    clearTimeout(e.timer);
    e.timer = undefined;
    e.status = 'NACKED';
    e.error = { message, version, at: new Date() };
  }

  /** The control plane says it does not exist (removed, or missing from a full-state response). */
  remove(typeUrl: string, name: string): void {
    const e = this.type(typeUrl).entries.get(name);
    if (e === undefined || e.status === 'DOES_NOT_EXIST') return;
    this.markMissing(e);
  }

  private markMissing(e: ResourceEntry): void {
    clearTimeout(e.timer);
    e.timer = undefined;
    const had = e.value !== undefined;
    e.value = undefined;
    e.bytes = undefined;
    e.status = 'DOES_NOT_EXIST';
    e.lastUpdated = new Date();
    if (had) xdsUpdate(e.typeUrl, 'removed');
    this.notify(e);
  }

  /** Starts the does-not-exist timer of each wanted resource that has no value yet and no timer. */
  startTimers(typeUrl: string): void {
    for (const e of this.type(typeUrl).entries.values()) {
      if (e.value !== undefined || e.timer !== undefined || e.status === 'DOES_NOT_EXIST' || e.watchers.size === 0) continue;
      e.timer = setTimeout(() => {
        e.timer = undefined;
        this.markMissing(e);
      }, this.timeoutMs);
      e.timer.unref();
    }
  }

  /** A broken stream: no resource can be said missing until a new stream asks again. */
  stopTimers(): void {
    for (const t of this.types.values()) {
      for (const e of t.entries.values()) {
        clearTimeout(e.timer);
        e.timer = undefined;
      }
    }
  }

  private notify(e: ResourceEntry): void {
    const meta = e.meta();
    for (const w of [...e.watchers]) call(w, e.value, meta);
    for (const w of [...this.type(e.typeUrl).wildcardWatchers]) call(w, e.value, meta);
  }
}
