// fileTlsSource: core's TlsSource over PEM files that rotate on disk (a Kubernetes secret volume,
// cert-manager's files, Vault agent's templates). It adopts a new certificate only when it has
// checked it (material.ts), keeps the last good one when a reload fails, and says so.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Code, RpcError, toRpcError, type TlsMaterial, type TlsSource } from '@meshlet/core';
import { tlsLoad } from '@meshlet/core/telemetry';
import { loadMaterial, sameMaterial, type CertificateInfo, type TlsFiles } from './material.js';
import { watchFiles, type ChangeWatcher } from './watch.js';

/** Either `dir` (holding `cert.pem`, `key.pem` and optionally `ca.pem`) or the three paths. */
export type FileTlsSourceOptions = (
  | { readonly dir: string; readonly certFile?: undefined; readonly keyFile?: undefined; readonly caFile?: undefined }
  | { readonly dir?: undefined; readonly certFile: string; readonly keyFile: string; readonly caFile?: string | undefined }
) & {
  /**
   * ms between stat polls (default 5000). The poll is the fallback for filesystems where
   * fs.watch stays silent; a tick costs three `stat` calls, and 5 s bounds a missed rotation's
   * delay far below any certificate's lifetime (Istio's are 24 h, renewed at half life).
   */
  readonly pollInterval?: number | undefined;
  /** ms of quiet after a change before reading (default 100): one read per writer's burst. */
  readonly debounce?: number | undefined;
  /** ms `ready()` waits for the first good load before it rejects (default 10000). */
  readonly readyTimeout?: number | undefined;
  /**
   * Watch the directories with fs.watch (default true). False leaves only the stat poll: for
   * filesystems without inotify, or a host short of watch slots.
   */
  readonly watch?: boolean | undefined;
  /** Called with each failed load (the last good material stays in use). */
  readonly onError?: ((err: RpcError) => void) | undefined;
};

/** What `status()` reports, JSON-ready for an admin endpoint. */
export interface FileTlsStatus {
  readonly state: 'loading' | 'ready' | 'closed';
  readonly files: TlsFiles;
  /** ISO time the material in use was adopted. */
  readonly loadedAt?: string | undefined;
  readonly serial?: string | undefined;
  readonly fingerprint256?: string | undefined;
  readonly subject?: string | undefined;
  readonly spiffeId?: string | undefined;
  readonly notAfter?: string | undefined;
  /**
   * The certificate in use is past its notAfter (no good replacement arrived in time): peers
   * refuse it. Computed when status() is called; alert on it, and on `failures` growing.
   */
  readonly expired: boolean;
  /** Certificates adopted since start (the first load counts). */
  readonly reloads: number;
  /** Loads refused since start. */
  readonly failures: number;
  /** The most recent refused load; cleared by the next good one. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string } | undefined;
}

export interface FileTlsSource extends TlsSource {
  status(): FileTlsStatus;
  /** Reads the files now (as a change would); resolves true when new material was adopted. */
  reload(): Promise<boolean>;
  /** Stops watching; `current()` keeps answering with the last material. Idempotent. */
  close(): void;
}

function filesOf(options: FileTlsSourceOptions): TlsFiles {
  if (options.dir !== undefined) {
    return { cert: join(options.dir, 'cert.pem'), key: join(options.dir, 'key.pem'), ca: join(options.dir, 'ca.pem') };
  }
  if (typeof options.certFile !== 'string' || typeof options.keyFile !== 'string') {
    throw new RpcError(Code.InvalidArgument, 'fileTlsSource needs either `dir` or both `certFile` and `keyFile`');
  }
  return { cert: options.certFile, key: options.keyFile, ca: options.caFile };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RpcError(Code.InvalidArgument, `fileTlsSource: ${name} must be a positive number of ms, got ${value}`);
  return value;
}

/**
 * Certificates from files, reloaded when they change. With `dir`, `ca.pem` is optional: a
 * missing one means Node's default roots (a source whose CA file appears later picks it up).
 *
 * `ready()` rejects after `readyTimeout` (counted from creation, or from a call made after an
 * earlier wait timed out) with the last load's error: UNAVAILABLE when a file is
 * still missing (the volume may not be mounted yet: a deployment problem, worth a retry),
 * INVALID_ARGUMENT when the files are there but unusable (bad PEM, key of another certificate,
 * expired: a configuration problem). Until the first good load, every failure is retried on the
 * next change, without a report (a writer may be halfway); after it, each refused load is reported.
 */
export function fileTlsSource(options: FileTlsSourceOptions): FileTlsSource {
  const files = filesOf(options);
  const pollInterval = positive(options.pollInterval, 5000, 'pollInterval');
  const debounce = positive(options.debounce, 100, 'debounce');
  const readyTimeout = positive(options.readyTimeout, 10_000, 'readyTimeout');
  // In `dir` mode the CA file is optional: read it only when present, so its absence is no error.
  const caOptional = options.dir !== undefined;

  let material: TlsMaterial | undefined;
  let info: CertificateInfo | undefined;
  let loadedAt: Date | undefined;
  let reloads = 0;
  let failures = 0;
  let lastError: { code: string; message: string; at: string } | undefined;
  let closed = false;
  const listeners = new Set<() => void>();

  let lastLoadError: RpcError | undefined;

  // A wait for the first good load, bounded by readyTimeout. Every ready() call shares it; once it
  // has timed out, the next ready() starts another (the files may arrive late: a retry loop that
  // calls ready() again is served), and a good load resolves whichever is pending.
  interface Wait { promise: Promise<void>; resolve(): void; reject(err: RpcError): void; timer: NodeJS.Timeout }
  let wait: Wait | undefined;
  const startWait = (): Wait => {
    let resolve!: () => void;
    let reject!: (err: RpcError) => void;
    const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    // ready() may never be called (a client that only reads current()): no unhandled rejection.
    promise.catch(() => {});
    // The timer is ref'd: `await source.ready()` in a script must not end the process early.
    const timer = setTimeout(() => {
      if (wait === w) wait = undefined;
      const cause = lastLoadError;
      const code = cause?.code === Code.InvalidArgument ? Code.InvalidArgument : Code.Unavailable;
      reject(new RpcError(code, `TLS files not loaded within ${readyTimeout} ms: ${cause?.message ?? 'no load finished'}`, { cause }));
    }, readyTimeout);
    const w: Wait = { promise, resolve, reject, timer };
    return w;
  };
  wait = startWait();

  const notify = (err: RpcError) => {
    try {
      options.onError?.(err);
    } catch {
      // A failing error handler must not stop the reloads.
    }
  };
  const report = (err: RpcError) => {
    failures++;
    tlsLoad('files', 'refused', err.code);
    lastError = { code: err.code, message: err.message, at: new Date().toISOString() };
    notify(err);
  };

  const adopt = (next: TlsMaterial, nextInfo: CertificateInfo) => {
    // The first load is no change: ready() announces it, listeners hear of rotations.
    const rotation = material !== undefined;
    material = next;
    info = nextInfo;
    loadedAt = new Date();
    reloads++;
    tlsLoad('files', 'adopted');
    lastError = undefined;
    lastLoadError = undefined;
    if (wait !== undefined) {
      clearTimeout(wait.timer);
      wait.resolve();
      wait = undefined;
    }
    if (!rotation) return;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        // The material was adopted all the same; the listener's owner hears of its failure.
        notify(toRpcError(err));
      }
    }
  };

  const loadOnce = async (): Promise<boolean> => {
    try {
      let ca = files.ca;
      // Once a CA was adopted it stays required: a ca.pem that vanishes must not quietly turn
      // trust over to Node's public roots (the removal is refused like any missing file).
      if (caOptional && ca !== undefined && material?.ca === undefined) {
        const path = ca;
        ca = await access(path).then(() => path, () => undefined);
      }
      const loaded = await loadMaterial({ cert: files.cert, key: files.key, ca });
      if (closed) return false;
      if (material !== undefined && sameMaterial(material, loaded.material)) {
        // A touch, or an event for another file in the directory: nothing to rotate, and the
        // files are good again if an earlier read had failed.
        lastError = undefined;
        return false;
      }
      adopt(loaded.material, loaded.info);
      return true;
    } catch (err) {
      if (closed) return false;
      const error = toRpcError(err);
      lastLoadError = error;
      if (material === undefined) {
        // Before the first good load a failure is expected (the files arrive in pieces); it is
        // reported once, by ready()'s rejection, and kept in status().
        lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
      } else {
        report(error);
      }
      return false;
    }
  };

  // One load at a time; a change during a load schedules exactly one more after it.
  let running: Promise<boolean> | undefined;
  let again = false;
  const load = (): Promise<boolean> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let adopted = false;
      do {
        again = false;
        adopted = (await loadOnce()) || adopted;
      } while (again && !closed);
      running = undefined;
      return adopted;
    })();
    return running;
  };

  const watcher: ChangeWatcher = watchFiles(
    files.ca === undefined ? [files.cert, files.key] : [files.cert, files.key, files.ca],
    { pollInterval, debounce, watch: options.watch !== false },
    () => void load(),
  );
  void load();

  return {
    ready() {
      if (material !== undefined) return Promise.resolve();
      if (closed) return Promise.reject(new RpcError(Code.Shutdown, 'fileTlsSource closed before its files were loaded'));
      wait ??= startWait();
      return wait.promise;
    },
    current() {
      if (material === undefined) {
        throw new RpcError(Code.Unavailable, `TLS files ${files.cert} / ${files.key} not loaded yet (await ready())`);
      }
      return material;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    status() {
      return {
        state: closed ? 'closed' : material === undefined ? 'loading' : 'ready',
        files,
        loadedAt: loadedAt?.toISOString(),
        serial: info?.serial,
        fingerprint256: info?.fingerprint256,
        subject: info?.subject,
        spiffeId: info?.spiffeId,
        notAfter: info?.notAfter.toISOString(),
        expired: info !== undefined && info.notAfter.getTime() <= Date.now(),
        reloads,
        failures,
        lastError,
      };
    },
    reload() {
      if (closed) return Promise.resolve(false);
      return load();
    },
    close() {
      if (closed) return;
      closed = true;
      watcher.close();
      listeners.clear();
      if (wait !== undefined) {
        clearTimeout(wait.timer);
        wait.reject(new RpcError(Code.Shutdown, 'fileTlsSource closed before its files were loaded'));
        wait = undefined;
      }
    },
  };
}
