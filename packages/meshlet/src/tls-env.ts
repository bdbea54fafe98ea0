// TLS from the environment: `MESHLET_TLS_DIR` (a Kubernetes-mounted secret: cert.pem, key.pem,
// ca.pem) gives the server and the client mutual TLS with certificates that rotate live, so an app
// gets mTLS from its deployment without a code change. Options given in code win.
import { Code, RpcError, type TlsOptions } from '@meshlet/core';
import { tlsFromDir } from '@meshlet/security/files';
import { lazySdsSource, type ClosableTlsSource } from './lazy-sds.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment adds: TLS for the side(s) code left without, and the source to close on stop. */
export interface EnvTls {
  readonly server?: TlsOptions | undefined;
  readonly client?: TlsOptions | undefined;
  /** The source both sides share (files or SDS); undefined when nothing came from the environment. */
  readonly source?: ClosableTlsSource | undefined;
}

/**
 * Reads `MESHLET_TLS_DIR` or `MESHLET_TLS_SDS` (an SDS server's address, `unix:/path` as Istio's
 * node agent serves it, or `host:port`: the certificate `default` and the roots `ROOTCA`), `MESHLET_TLS_MODE` (server: `strict`, the default, or `permissive`),
 * `MESHLET_TLS_CLIENT_MODE` (client: unset, TLS to every endpoint but those that say
 * `ssl-enabled=false`, as a Java Dubbo 3 consumer with an SslConfig dials; `strict`, TLS to every
 * endpoint; `permissive`, TLS only where the endpoint advertises `ssl-enabled=true`) and `MESHLET_TLS_IDENTITIES` (client: the server
 * identities accepted, comma-separated SPIFFE IDs or DNS names). `hasServer`/`hasClient`: code
 * already set that side's `tls`, which wins. A bad mode is INVALID_ARGUMENT, at once, rather than
 * a port silently opened (or a call dialed) in the wrong mode.
 */
export function tlsFromEnv(env: Env, hasServer: boolean, hasClient: boolean): EnvTls {
  const dir = env.MESHLET_TLS_DIR?.trim();
  const sds = env.MESHLET_TLS_SDS?.trim();
  if ((!dir && !sds) || (hasServer && hasClient)) return {};
  if (dir && sds) throw new RpcError(Code.InvalidArgument, 'set MESHLET_TLS_DIR or MESHLET_TLS_SDS, not both: one source of certificates');
  const mode = modeOf('MESHLET_TLS_MODE', env.MESHLET_TLS_MODE, ['strict', 'permissive'], 'strict');
  const dial = env.MESHLET_TLS_CLIENT_MODE?.trim() ? modeOf('MESHLET_TLS_CLIENT_MODE', env.MESHLET_TLS_CLIENT_MODE, ['strict', 'permissive'], 'strict') : undefined;
  const identities = env.MESHLET_TLS_IDENTITIES?.split(',').map((s) => s.trim()).filter(Boolean);
  // One source for both sides: the same files watched once, or one SDS stream.
  const server: TlsOptions & { source: ClosableTlsSource } = dir
    ? tlsFromDir(dir, { mode })
    : { source: lazySdsSource(sds!), mode, requestCert: true, rejectUnauthorized: true };
  const client: TlsOptions = {
    rejectUnauthorized: true,
    source: server.source,
    ...(dial ? { mode: dial } : {}),
    ...(identities?.length ? { identities } : {}),
  };
  return { server: hasServer ? undefined : server, client: hasClient ? undefined : client, source: server.source };
}

function modeOf<M extends string>(name: string, text: string | undefined, modes: readonly M[], otherwise: M): M {
  const mode = text?.trim().toLowerCase() || otherwise;
  if (!(modes as readonly string[]).includes(mode)) {
    throw new RpcError(Code.InvalidArgument, `${name} must be ${modes.join(' or ')}, got ${JSON.stringify(text)}`);
  }
  return mode as M;
}
