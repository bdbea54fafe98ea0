import type { NacosHttp } from './http.js';
import type { NacosSettings } from './options.js';
import { contentMd5 } from './config.js';

/** How long the server holds a listener request when nothing changed (Nacos' client default). */
const POLL_MS = 30_000;
const RETRY_MS = 1000;

interface Watched {
  readonly dataId: string;
  readonly group: string;
  /** md5 of the content last seen ("" = none): the server answers at once when it differs. */
  md5: string;
  readonly onChange: () => void;
}

/**
 * Nacos' config long poll (`POST /nacos/v1/cs/configs/listener`): one request at a time carries
 * every watched config with the md5 last seen; the server answers when one of them changes (or
 * after 30 s with nothing). A change calls its watcher, which reads the config again and tells
 * `seen()` the new content. Failures back off a second, never end the loop.
 */
export class ConfigWatch {
  readonly #http: NacosHttp;
  readonly #s: NacosSettings;
  readonly #watched = new Map<string, Watched>();
  #running = false;
  #stopped = false;
  readonly #abort = new AbortController();
  /** The poll in flight: a config watched after it began is not in it, so it is cut short. */
  #poll: AbortController | undefined;

  constructor(http: NacosHttp, settings: NacosSettings) {
    this.#http = http;
    this.#s = settings;
  }

  /** Watches a config; `onChange` runs on each change the server reports. Returns the unwatch. */
  watch(dataId: string, group: string, content: string | undefined, onChange: () => void): () => void {
    const key = keyOf(dataId, group);
    const w: Watched = { dataId, group, md5: content === undefined ? '' : contentMd5(content), onChange };
    this.#watched.set(key, w);
    this.#poll?.abort();
    this.#loop();
    return () => {
      if (this.#watched.get(key) === w) this.#watched.delete(key);
    };
  }

  /** The content now known for a watched config (after a read), so the next poll waits for the one after. */
  seen(dataId: string, group: string, content: string | undefined): void {
    const w = this.#watched.get(keyOf(dataId, group));
    if (w) w.md5 = content === undefined ? '' : contentMd5(content);
  }

  stop(): void {
    this.#stopped = true;
    this.#watched.clear();
    this.#abort.abort();
  }

  #loop(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void (async () => {
      while (!this.#stopped && this.#watched.size > 0) {
        const batch = [...this.#watched.values()];
        const tenant = this.#s.namespace;
        // dataId ^2 group ^2 md5 [^2 tenant] ^1, per config (Nacos' wire form of a listener request).
        const listening = batch.map((w) => [w.dataId, w.group, w.md5, ...(tenant ? [tenant] : [])].join('\u0002') + '\u0001').join('');
        let changed: string[];
        const poll = (this.#poll = new AbortController());
        try {
          const body = await this.#http.request('POST', '/nacos/v1/cs/configs/listener', { 'Listening-Configs': listening }, {
            headers: { 'Long-Pulling-Timeout': String(POLL_MS) },
            timeoutMs: POLL_MS + this.#s.timeoutMs,
            signal: AbortSignal.any([this.#abort.signal, poll.signal]),
          });
          changed = parseChanged(body);
        } catch {
          if (this.#stopped) break;
          if (poll.signal.aborted) continue; // a new config to listen to: poll again at once, with it
          await new Promise((r) => setTimeout(r, RETRY_MS).unref());
          continue;
        }
        for (const key of changed) this.#watched.get(key)?.onChange();
        // A change whose read has not yet updated the md5 would answer again at once: let the reads land.
        if (changed.length > 0) await new Promise((r) => setTimeout(r, 100).unref());
      }
      this.#running = false;
    })();
  }
}

function keyOf(dataId: string, group: string): string {
  return `${dataId}\u0002${group}`;
}

/** The changed configs of a listener answer: URL-encoded `dataId ^2 group [^2 tenant] ^1` items. */
export function parseChanged(body: string): string[] {
  let text: string;
  try {
    text = decodeURIComponent(body.trim());
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const item of text.split('\u0001')) {
    const [dataId, group] = item.split('\u0002');
    if (dataId && group) out.push(keyOf(dataId, group));
  }
  return out;
}
