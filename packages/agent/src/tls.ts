// The agent's TLS, from its settings: the options its ports listen with and those its upstream
// dials present, sharing one rotating source when they come from a directory.
import type { TlsOptions } from '@meshlet/core';
import { tlsFromDir, type FileTlsSource } from '@meshlet/security/files';
import type { AgentConfig } from './config.js';

export interface AgentTls {
  /** The agent's ports (egress and ingress); undefined: plaintext. */
  readonly server: TlsOptions | undefined;
  /** Calls relayed to providers and other agents; undefined: plaintext. */
  readonly upstream: TlsOptions | undefined;
  /** Stops watching the directory (nothing to do for options given in code: their owner closes them). */
  close(): void;
}

/**
 * `tls` / `upstreamTls` given in code win; else `tlsDir` makes mTLS both ways from one file source
 * (one watcher, one certificate rotating for listeners and dialers alike).
 */
export function agentTls(config: AgentConfig): AgentTls {
  let source: FileTlsSource | undefined;
  const fromDir = () => {
    if (config.tlsDir === undefined) return undefined;
    const server = tlsFromDir(config.tlsDir, { mode: config.tlsMode });
    source = server.source;
    return server;
  };
  const dirServer = config.tls === undefined || config.upstreamTls === undefined ? fromDir() : undefined;
  // `tlsMode` applies to options given in code that say no mode of their own.
  const server = config.tls ? { mode: config.tlsMode, ...config.tls } : dirServer;
  const upstream = config.upstreamTls ?? (dirServer && {
    // The same certificate, as a client: the server's CA checks the provider; `identities` (when
    // given) replace the host-name check, as a SPIFFE certificate names no IP.
    source: dirServer.source,
    rejectUnauthorized: true,
    identities: config.upstreamIdentities.length > 0 ? config.upstreamIdentities : undefined,
  });
  return {
    server,
    upstream,
    close: () => source?.close(),
  };
}
