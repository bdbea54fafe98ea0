// Tells a file source that its files may have changed. Two detectors, because neither is enough:
// - `fs.watch` on each file's directory sees a write at once, and also Kubernetes' atomic swap
//   (the files are symlinks `cert.pem -> ..data/cert.pem`; the kubelet renames a new `..data`
//   symlink over the old one, an event in the directory, not on the file's own inode);
// - a stat poll, because fs.watch misses changes on some filesystems (NFS, FUSE, some overlay
//   and bind mounts) and stops when its directory is removed. `stat` follows the symlinks, so
//   the swap shows as a new inode.
// Bursts are debounced: a writer that writes the certificate then the key is read once, after it.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface ChangeWatcherOptions {
  /** ms between stat polls. */
  readonly pollInterval: number;
  /** ms of quiet after the last event before `onChange` runs. */
  readonly debounce: number;
  /** Use fs.watch as well as the poll. */
  readonly watch: boolean;
}

export interface ChangeWatcher {
  close(): void;
}

async function signature(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(paths.map(async (path) => {
    try {
      const s = await stat(path);
      return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
    }
  }));
  return parts.join('|');
}

/**
 * Calls `onChange` (debounced) whenever a watched directory reports an event or the files' stat
 * signature changes. Nothing it holds keeps the process alive: its timers and watchers are
 * unref'd, and `close()` removes them.
 */
export function watchFiles(paths: readonly string[], options: ChangeWatcherOptions, onChange: () => void): ChangeWatcher {
  const dirs = [...new Set(paths.map((p) => dirname(p)))];
  const names = new Set(paths.map((p) => basename(p)));
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let debounceTimer: NodeJS.Timeout | undefined;
  let lastSignature: string | undefined;
  let polling = false;

  const fire = () => {
    if (closed) return;
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      debounceTimer = undefined;
      if (!closed) onChange();
    }, options.debounce);
    debounceTimer.unref();
  };

  // A directory that does not exist yet (a secret not mounted) cannot be watched: the poll
  // retries, and the watcher of a removed directory is dropped and made again when it returns.
  const startWatchers = () => {
    if (!options.watch) return;
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          // Only our files and Kubernetes' `..data` / `..<timestamp>` entries matter: a busy
          // directory (/etc/ssl) must not cost a read per unrelated event. No name: assume ours.
          if (filename === null || names.has(filename.toString()) || filename.toString().startsWith('..')) fire();
        });
        w.on('error', () => {
          w.close();
          if (watchers.get(dir) === w) watchers.delete(dir);
          fire();
        });
        watchers.set(dir, w);
      } catch {
        // ENOENT or no inotify slots left: the poll still covers it.
      }
    }
  };

  const poll = async () => {
    if (polling || closed) return;
    polling = true;
    try {
      startWatchers();
      const now = await signature(paths);
      if (closed) return;
      if (lastSignature !== undefined && now !== lastSignature) fire();
      lastSignature = now;
    } finally {
      polling = false;
    }
  };

  startWatchers();
  void poll();
  const pollTimer = setInterval(() => void poll(), options.pollInterval);
  pollTimer.unref();

  return {
    close() {
      closed = true;
      clearInterval(pollTimer);
      clearTimeout(debounceTimer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
