// TLS for every transport, one place: the listener side (certificates that rotate, TLS-only or
// TLS-and-plaintext ports, handshake limits, the caller's identity) and the dialing side (the
// current certificate per new connection, SPIFFE / DNS identity checks). Transports with their
// own sockets (RSocket, the agent) use these too, so every port behaves the same.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Code, RpcError } from '../errors.js';
import type { PeerIdentity, TlsOptions } from '../transport-options.js';

/**
 * A TLS handshake (or, on a permissive port, the first byte) must arrive within this long, ms.
 * Node's own default is 120 s: long enough for an idle scanner to hold sockets on a public port.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** The first byte of a TLS ClientHello (a handshake record); no Meshlet protocol's magic starts with it. */
const TLS_HANDSHAKE_RECORD = 0x16;

/** Node's options alone, with a source's current certificates over the static ones. */
function nodeOptions(options: TlsOptions): tls.ConnectionOptions & tls.TlsOptions {
  const { source, mode: _mode, identities: _identities, ...node } = options;
  return source ? { ...node, ...source.current() } : node;
}

/** Reads who a verified certificate names: its SPIFFE ID, subject and SANs. */
export function peerIdentityOf(cert: tls.PeerCertificate | X509Certificate): PeerIdentity {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert.raw);
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const [kind, value] of subjectAltNames(x509.subjectAltName)) {
    if (kind === 'URI') uris.push(value);
    else if (kind === 'DNS') dnsNames.push(value);
  }
  return {
    spiffeId: uris.find((u) => u.startsWith('spiffe://')),
    // RFC 2253 order (most specific first, as Java's X500Principal#getName and Istio print it).
    subject: x509.subject.split('\n').reverse().join(','),
    uris,
    dnsNames,
  };
}

/** Node's `subjectAltName` text: `DNS:a, URI:spiffe://b`; values with a comma come JSON-quoted. */
function subjectAltNames(text: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (!text) return out;
  const entry = /\s*([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/y;
  for (let m = entry.exec(text); m !== null && m[0] !== ''; m = entry.exec(text)) {
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    out.push([m[1]!, value]);
  }
  return out;
}

/** Whether a server certificate carries one of the identities a client expects (URI or DNS SAN). */
function identityError(cert: tls.PeerCertificate, identities: readonly string[]): Error | undefined {
  const id = peerIdentityOf(cert);
  if (identities.some((want) => id.uris.includes(want) || id.dnsNames.includes(want))) return undefined;
  const err = new Error(`server identity [${[...id.uris, ...id.dnsNames].join(', ')}] is none of the expected [${identities.join(', ')}]`);
  (err as NodeJS.ErrnoException).code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  return err;
}

/**
 * Dials a TLS connection with the certificates current now. `identities`, when given, replace the
 * host-name check: the server must present one of them (SPIFFE ID or DNS name).
 */
export function connectTls(options: TlsOptions, host: string, port: number): tls.TLSSocket {
  const node = nodeOptions(options);
  const identities = options.identities;
  const dial: tls.ConnectionOptions = {
    ...node,
    secureContext: clientContext(options, node),
    host,
    port,
    servername: node.servername ?? (net.isIP(host) ? undefined : host),
  };
  // Set only when wanted: Node asserts the option is a function once present.
  if (identities?.length) dial.checkServerIdentity = (_host, cert) => identityError(cert, identities);
  return tls.connect(dial);
}

/**
 * One client context per options object and certificate version: Node would otherwise parse the
 * certificate, key and roots again on every dial (about 40 % of a handshake's client CPU).
 */
const clientContexts = new WeakMap<TlsOptions, { readonly material: unknown; readonly context: tls.SecureContext }>();

function clientContext(options: TlsOptions, node: tls.ConnectionOptions): tls.SecureContext {
  if (node.secureContext) return node.secureContext;
  const material = options.source ? options.source.current() : options;
  const held = clientContexts.get(options);
  if (held?.material === material) return held.context;
  const context = tls.createSecureContext(node);
  clientContexts.set(options, { material, context });
  return context;
}

/** Resolves once the options' certificates are loaded (at once for static ones). */
export function tlsReady(options: TlsOptions): Promise<void> {
  return options.source ? options.source.ready() : Promise.resolve();
}

/** What the listener side hands on: a socket ready for frames and, over mTLS, who is calling. */
export type SecureAccept = (socket: net.Socket, identity: PeerIdentity | undefined) => void;

/** How a listener that is not a plain frame reader (node:http2) takes its sockets. */
export interface ServerTlsOptions {
  /** ALPN protocols offered in the handshake (HTTP/2 peers require `h2`). */
  readonly alpn?: readonly string[];
  /**
   * Hands a permissive port's plaintext socket on still paused, its first bytes unshifted, for a
   * consumer that reads buffered data itself (node:http2 does, on the next tick; resuming would
   * emit those bytes to nobody).
   */
  readonly plainPaused?: boolean;
}

/**
 * The TLS side of one listener. Accepted TCP sockets come in through `accept`; those that finish
 * a handshake (or, on a permissive port, plaintext ones) go on to `onSocket`. Certificates from a
 * source are swapped in for new handshakes when it changes; connections already open keep theirs.
 */
export class ServerTls {
  private readonly server: tls.Server;
  private readonly permissive: boolean;
  private readonly handshakeTimeout: number;
  private readonly stopWatching: (() => void) | undefined;
  private readonly onPlain: SecureAccept;
  /** Handshakes that failed, by reason (`tlsClientError` codes), for the admin view. */
  readonly failures = new Map<string, number>();
  /** The last certificate change that could not be applied (the previous one stays in use). */
  lastError: Error | undefined;

  /** Waits for the certificates (a listener does not open before), then builds the TLS side. */
  static async create(options: TlsOptions, onSocket: SecureAccept, listener: ServerTlsOptions = {}): Promise<ServerTls> {
    try {
      await tlsReady(options);
    } catch (err) {
      throw RpcError.is(err) ? err : new RpcError(Code.Unavailable, `TLS certificates not loaded: ${(err as Error).message}`, { cause: err });
    }
    return new ServerTls(options, onSocket, listener);
  }

  private readonly plainPaused: boolean;

  private constructor(
    private readonly options: TlsOptions,
    onSocket: SecureAccept,
    listener: ServerTlsOptions,
  ) {
    this.permissive = options.mode === 'permissive';
    this.handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    this.plainPaused = listener.plainPaused === true;
    const node = nodeOptions(options);
    const alpn = listener.alpn ? { ALPNProtocols: [...listener.alpn] } : {};
    this.server = tls.createServer({ ...node, ...alpn, handshakeTimeout: this.handshakeTimeout }, (socket) => {
      const mutual = node.requestCert === true && socket.authorized;
      const cert = mutual ? socket.getPeerX509Certificate() : undefined;
      onSocket(socket, cert ? peerIdentityOf(cert) : undefined);
    });
    this.server.on('tlsClientError', (err, socket) => {
      const reason = (err as NodeJS.ErrnoException).code ?? err.message;
      this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
      socket.destroy();
    });
    this.onPlain = onSocket;
    this.stopWatching = options.source?.onChange(() => this.reload());
  }

  private reload(): void {
    try {
      this.server.setSecureContext(nodeOptions(this.options));
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err as Error;
    }
  }

  /** Takes an accepted TCP socket: handshakes it, or on a permissive port first looks at byte one. */
  accept(socket: net.Socket): void {
    if (!this.permissive) {
      this.server.emit('connection', socket);
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.handshakeTimeout);
    const onClose = () => clearTimeout(timer);
    socket.once('close', onClose);
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.removeAllListeners('error');
      socket.pause();
      // Node's TLSSocket reads what was unshifted before taking over the handle.
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        this.server.emit('connection', socket);
      } else {
        this.onPlain(socket, undefined);
        // Paused above: a 'data' listener alone does not restart a paused stream.
        if (!this.plainPaused) socket.resume();
      }
    });
  }

  close(): void {
    this.stopWatching?.();
  }
}
