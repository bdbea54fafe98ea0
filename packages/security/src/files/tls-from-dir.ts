// tlsFromDir: what `MESHLET_TLS_DIR` turns into. One directory in the Kubernetes secret layout
// (cert.pem, key.pem, ca.pem) becomes mutual TLS with certificates that rotate live.
import type { TlsOptions } from '@meshlet/core';
import { fileTlsSource, type FileTlsSource, type FileTlsSourceOptions } from './source.js';

/** Options of the source itself (poll, debounce, ready timeout, error handler). */
export type DirSourceOptions = Omit<FileTlsSourceOptions, 'dir' | 'certFile' | 'keyFile' | 'caFile'>;

/**
 * Core `TlsOptions` for the files in `dir`: `source` set (the caller owns it: `close()` it when
 * the listener or client using it is gone) and mTLS defaults — a server asks for the client's
 * certificate and both sides refuse a peer their CA did not sign. `overrides` win over the
 * defaults (e.g. `{ mode: 'permissive' }` while a fleet migrates, or `identities` on a client).
 */
export function tlsFromDir(dir: string, overrides: Omit<TlsOptions, 'source'> = {}, sourceOptions: DirSourceOptions = {}): TlsOptions & { readonly source: FileTlsSource } {
  return {
    requestCert: true,
    rejectUnauthorized: true,
    ...overrides,
    source: fileTlsSource({ ...sourceOptions, dir }),
  };
}
