// What the config sources share: a watched document's last content and its listeners, and the
// bookkeeping of adding and removing them (the document is read while someone listens).
import type { ConfigListener } from '@meshlet/core';

/** One watched document: its content as last read, and who wants to hear of changes. */
export abstract class WatchedDoc {
  readonly listeners = new Set<ConfigListener>();
  known = false;
  content: string | undefined;

  /** `label`: the document as named in a warning about a listener (`group/key`, a node path). */
  protected constructor(private readonly label: string) {}

  /** Starts reading (and watching) the document. */
  abstract start(): void;
  /** Stops for good; the listeners are dropped. */
  abstract stop(): void;

  /** Tells every listener of `content` unless it is what they last heard; a listener that throws is a warning. */
  protected deliver(content: string | undefined): void {
    if (this.known && content === this.content) return;
    this.known = true;
    this.content = content;
    for (const listener of [...this.listeners]) {
      try {
        listener(content);
      } catch (err) {
        process.emitWarning(`config listener of ${this.label} threw: ${String(err)}`, { type: 'MeshletConfigWarning', code: 'MESHLET_CONFIG_LISTENER_THREW' });
      }
    }
  }
}

/**
 * Adds `listener` to document `id` of `docs` (made with `open` and started when not watched yet);
 * it hears the known content at once. The function returned removes it; the last one out stops
 * the document.
 */
export function watchDoc<D extends WatchedDoc>(docs: Map<string, D>, id: string, open: () => D, listener: ConfigListener): () => void {
  let doc = docs.get(id);
  if (doc === undefined) {
    doc = open();
    docs.set(id, doc);
    doc.start();
  }
  const d = doc;
  const entry: ConfigListener = (content) => listener(content);
  d.listeners.add(entry);
  if (d.known) entry(d.content);
  return () => {
    d.listeners.delete(entry);
    if (d.listeners.size === 0 && docs.get(id) === d) {
      d.stop();
      docs.delete(id);
    }
  };
}
