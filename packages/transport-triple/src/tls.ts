import type { SecureContextOptions } from 'node:tls';
import type { TlsOptions } from '@meshlet/core';

/**
 * Node's TLS options from Meshlet's (the engine's reading: a source's current certificates over
 * the static ones; `mode` and `identities` are Meshlet's own), plus ALPN `h2`, which gRPC peers
 * require. node:http2 brings its own TLS server, so the engine's `ServerTls` is not reused; the
 * meaning of each option is the same.
 */
export function http2TlsOptions(options: TlsOptions): SecureContextOptions & Record<string, unknown> {
  const { source, mode: _mode, identities: _identities, ...node } = options;
  return { ...node, ...(source ? source.current() : {}), ALPNProtocols: ['h2'] };
}
