/**
 * Dynamic configuration: text documents, each named by a key and a group, that change at run time
 * (Dubbo's DynamicConfiguration, its "config centre"). Routing and flow rules are read from one; a
 * ZooKeeper or Nacos registry can hand out the one on the same servers (`createConfigSource` in
 * @meshlet/registry), and `MemoryConfigSource` serves code and tests.
 */

/**
 * Receives a document's whole content each time it changes; `undefined` when the document does not
 * exist (never written, or removed). Sources keep delivering the last known content through an
 * outage of their server: a listener is not told "removed" because the server is unreachable.
 */
export type ConfigListener = (content: string | undefined) => void;

/** The group Dubbo uses when none is given (`/dubbo/config/dubbo/...` in ZooKeeper, group `dubbo` in Nacos). */
export const DEFAULT_CONFIG_GROUP = 'dubbo';

export interface ConfigSource {
  /** What the source is, for logs and errors: `memory`, `zookeeper`, `nacos`. */
  readonly name: string;
  /**
   * Calls `listener` with the document's current content as soon as it is known (`undefined`
   * when there is none), then on every change. The first call may come before `watch` returns.
   * `group` defaults to `DEFAULT_CONFIG_GROUP`. The returned function stops the watch.
   */
  watch(key: string, group: string | undefined, listener: ConfigListener): () => void;
  /** Writes a document (creates or replaces it), where the source can write. */
  publish?(key: string, group: string | undefined, content: string): Promise<void>;
  /** Deletes a document; resolves also when there was none. */
  remove?(key: string, group: string | undefined): Promise<void>;
  /** Stops every watch and releases the source's resources (connections it opened itself). */
  close(): Promise<void>;
}

/** The group a source uses for `group` as given. */
export function configGroup(group: string | undefined): string {
  return group === undefined || group === '' ? DEFAULT_CONFIG_GROUP : group;
}

/**
 * A config source held in memory: `set` from code (or a test) and every watcher of the document
 * hears it at once, synchronously, in the order they started watching.
 */
export class MemoryConfigSource implements ConfigSource {
  readonly name = 'memory';
  readonly #docs = new Map<string, string>();
  readonly #watchers = new Map<string, Set<ConfigListener>>();
  #closed = false;

  watch(key: string, group: string | undefined, listener: ConfigListener): () => void {
    if (this.#closed) return () => {};
    const id = docId(key, group);
    let set = this.#watchers.get(id);
    if (set === undefined) this.#watchers.set(id, (set = new Set()));
    // Wrapped so one listener function may watch the same document twice and stop each watch alone.
    const entry: ConfigListener = (content) => listener(content);
    set.add(entry);
    entry(this.#docs.get(id));
    return () => {
      const s = this.#watchers.get(id);
      if (s === undefined) return;
      s.delete(entry);
      if (s.size === 0) this.#watchers.delete(id);
    };
  }

  /** The document's current content, `undefined` when there is none. */
  get(key: string, group?: string): string | undefined {
    return this.#docs.get(docId(key, group));
  }

  /** Writes (or, with `undefined`, deletes) a document and tells its watchers when it changed. */
  set(key: string, group: string | undefined, content: string | undefined): void {
    const id = docId(key, group);
    if (this.#docs.get(id) === content) return;
    if (content === undefined) this.#docs.delete(id);
    else this.#docs.set(id, content);
    const set = this.#watchers.get(id);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(content);
      } catch (err) {
        // One watcher's bug must not keep the change from the others, nor fail the writer.
        process.emitWarning(`config listener of ${key} threw: ${String(err)}`, {
          type: 'MeshletConfigWarning', code: 'MESHLET_CONFIG_LISTENER_THREW',
        });
      }
    }
  }

  async publish(key: string, group: string | undefined, content: string): Promise<void> {
    this.set(key, group, content);
  }

  async remove(key: string, group: string | undefined): Promise<void> {
    this.set(key, group, undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
  }
}

function docId(key: string, group: string | undefined): string {
  return `${configGroup(group)}\u0000${key}`;
}
