import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { decodeEntry, isEntryFileName, type LocalEntry } from './entry.js';
import { CoalescedReads } from '../serial.js';
import { Liveness } from './lease.js';
import { listDirectory, readEntryFile, removeFile, removeStaleTemps } from './store.js';

export interface ScannerOptions {
  readonly pollIntervalMs: number;
  readonly leaseTtlMs: number;
  readonly watch: boolean;
}

/**
 * Keeps an up-to-date view of the live entries in one directory while started: `fs.watch` for speed,
 * a polling rescan as the fallback (fs.watch misses events on some file systems and after the
 * directory is replaced). Scans never overlap; requests that arrive during a scan share the next one.
 * Dead entries found by a scan are deleted. When the directory cannot be read, the previous view
 * stays and `onScan` is not called.
 */
export class DirectoryScanner {
  readonly #dir: string;
  readonly #options: ScannerOptions;
  readonly #onScan: (live: readonly LocalEntry[]) => void;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #scans = new CoalescedReads(
    () => this.#scan(),
    (err: unknown) => {
      process.emitWarning(`local registry scan failed: ${err instanceof Error ? err.message : String(err)}`, {
        type: 'MeshletRegistryWarning',
        code: 'MESHLET_REGISTRY_SCAN',
      });
    },
  );
  #last: readonly LocalEntry[] | undefined;

  constructor(dir: string, options: ScannerOptions, onScan: (live: readonly LocalEntry[]) => void) {
    this.#dir = dir;
    this.#options = options;
    this.#onScan = onScan;
  }

  get started(): boolean {
    return this.#timer !== undefined;
  }

  /** The live entries of the last successful scan. */
  get last(): readonly LocalEntry[] | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.refresh(), this.#options.pollIntervalMs);
    this.#timer.unref();
    this.#watch();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unwatch();
  }

  /** Resolves after a scan that started after this call has finished (whether or not it could read). */
  refresh(): Promise<void> {
    return this.#scans.refresh();
  }

  async #scan(): Promise<void> {
    const now = Date.now();
    let listing;
    try {
      listing = await listDirectory(this.#dir);
    } catch {
      // Unreadable or gone: keep the last known view; the watcher on a removed directory is dead.
      this.#unwatch();
      return;
    }
    if (this.#timer && !this.#watcher) this.#watch();
    const liveness = new Liveness(now, this.#options.leaseTtlMs);
    const texts = await Promise.all(listing.entries.map((name) => readEntryFile(path.join(this.#dir, name))));
    const live: LocalEntry[] = [];
    const dead: string[] = [];
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      const entry = text === undefined ? undefined : decodeEntry(text);
      if (entry === undefined) continue; // corrupt, foreign or vanished: ignored, left alone
      if (liveness.alive(entry)) live.push(entry);
      else dead.push(listing.entries[i] as string);
    }
    // Dead entries are removed by whoever notices. Should the owner turn out alive (a stalled event
    // loop), its next renewal writes the file again.
    await Promise.all(dead.map((name) => removeFile(path.join(this.#dir, name)).catch(() => {})));
    if (listing.temps.length > 0) await removeStaleTemps(this.#dir, listing.temps, 10 * this.#options.leaseTtlMs, now);
    this.#last = live;
    this.#onScan(live);
  }

  #watch(): void {
    if (this.#watcher || !this.#options.watch) return;
    try {
      const watcher = watch(this.#dir, { persistent: false }, (_event, filename) => {
        // Temp files come and go on every write; only entry names (or an unnamed event) matter.
        if (filename == null || isEntryFileName(filename.toString())) void this.refresh();
      });
      watcher.on('error', () => {
        if (this.#watcher === watcher) this.#unwatch();
      });
      this.#watcher = watcher;
    } catch {
      // No watcher (directory missing, inotify limit): polling carries on alone.
    }
  }

  #unwatch(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.close();
  }
}
