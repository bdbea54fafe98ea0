import type { ConnectionOptions as TlsConnectionOptions, TlsOptions as NodeTlsServerOptions } from 'node:tls';

/**
 * TLS for any transport: pass Node's own options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, ...). A server with `requestCert: true` and a `ca` does mTLS.
 */
export type TlsOptions = TlsConnectionOptions & NodeTlsServerOptions;

/** 8 MiB, Dubbo's `payload` default; checked from the header, before any body is buffered. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024;
