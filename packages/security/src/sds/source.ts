// A TlsSource fed by an SDS server (Envoy's Secret Discovery Service), as Istio's node agent
// serves workload certificates: one stream asks for the certificate (`default`) and the trusted
// roots (`ROOTCA`); every push is checked (parses, key matches) before it is adopted and ACKed, a
// bad one is NACKed and the last good material stays; while the server is away the last good
// material keeps serving and the stream is reopened with backoff.
import { hostname } from 'node:os';
import type { X509Certificate } from 'node:crypto';
import { Code, RpcError, type TlsMaterial, type TlsSource } from '@meshlet/core';
import type { BackoffOptions } from '@meshlet/core/engine';
import { tlsLoad } from '@meshlet/core/telemetry';
import { DiscoveryStream, type DiscoveryState } from '@meshlet/xds/stream';
import { ReadyGate } from './ready-gate.js';
import { SECRET_TYPE_URL, type Secret } from './secret-messages.js';
import { certificateOf, rootsOf, sameMaterial, secretsOf } from './secret-material.js';
import type { XdsNode } from '@meshlet/xds/stream';

/** Where Istio's node agent serves SDS to the workload (the `workload-socket` volume). */
export const ISTIO_SDS_SOCKET = 'unix:/var/run/secrets/workload-spiffe-uds/socket';

const SDS_METHOD = '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets';

export interface SdsTlsSourceOptions {
  /**
   * The SDS server: `unix:/path/to/socket` (a bare absolute path works too) or `host:port`.
   * Default: Istio's workload socket.
   */
  readonly address?: string | undefined;
  /** The workload certificate's resource name (default `default`, as Istio names it). */
  readonly certName?: string | undefined;
  /** The trusted roots' resource name (default `ROOTCA`); `null` asks for none (Node's roots then). */
  readonly caName?: string | null | undefined;
  /** Sent in each stream's first request; default id `meshlet~<hostname>~<pid>`. */
  readonly node?: XdsNode | undefined;
  /**
   * ms for `ready()` to wait for the first certificate before it rejects (default 10 000); the
   * source goes on trying, and a `ready()` called after that waits up to this long again.
   */
  readonly readyTimeout?: number | undefined;
  /** Reconnect delays of the stream (default 200 ms growing to 10 s). */
  readonly backoff?: BackoffOptions | undefined;
}

/** What the admin endpoint shows about an SDS source. */
export interface SdsStatus {
  readonly address: string;
  readonly resources: readonly string[];
  readonly state: DiscoveryState;
  readonly ready: boolean;
  /** version_info of the last response accepted. */
  readonly version: string;
  readonly acceptedAt?: Date | undefined;
  /** When the material last changed (first load included). */
  readonly updatedAt?: Date | undefined;
  /** The certificate in use: serial, end of validity, SPIFFE id when it has one. */
  readonly certificate?: { readonly serial: string; readonly validTo: string; readonly spiffeId?: string | undefined } | undefined;
  readonly streams: number;
  readonly acks: number;
  readonly nacks: number;
  readonly lastError?: { readonly message: string; readonly at: Date } | undefined;
}

export interface SdsTlsSource extends TlsSource {
  status(): SdsStatus;
  /** Ends the stream and its timers; `ready()` still pending rejects with SHUTDOWN. */
  close(): void;
}

interface Accepted {
  readonly secrets: Map<string, Secret>;
  readonly material?: TlsMaterial | undefined;
  readonly leaf?: X509Certificate | undefined;
}

function target(address: string): string {
  return address.startsWith('/') ? `unix:${address}` : address;
}

function checkOptions(o: SdsTlsSourceOptions): void {
  const bad = (what: string) => new RpcError(Code.InvalidArgument, `sdsTlsSource: ${what}`);
  if (o.address !== undefined && (typeof o.address !== 'string' || o.address.trim() === '')) throw bad('address must be unix:/path or host:port');
  if (o.certName !== undefined && (typeof o.certName !== 'string' || o.certName === '')) throw bad('certName must be a non-empty string');
  if (o.caName !== undefined && o.caName !== null && (typeof o.caName !== 'string' || o.caName === '')) throw bad('caName must be a non-empty string or null');
  if (o.readyTimeout !== undefined && !(Number.isFinite(o.readyTimeout) && o.readyTimeout > 0)) throw bad('readyTimeout must be a positive number of ms');
}

function spiffeIdOf(leaf: X509Certificate): string | undefined {
  // subjectAltName reads `URI:spiffe://td/ns/x/sa/y, DNS:...`.
  return leaf.subjectAltName?.split(', ').find((s) => s.startsWith('URI:spiffe://'))?.slice(4);
}

export function sdsTlsSource(options: SdsTlsSourceOptions = {}): SdsTlsSource {
  checkOptions(options);
  const address = target(options.address ?? ISTIO_SDS_SOCKET);
  const certName = options.certName ?? 'default';
  const caName = options.caName === undefined ? 'ROOTCA' : options.caName;
  const names = caName === null ? [certName] : [certName, caName];
  const readyTimeout = options.readyTimeout ?? 10_000;

  let secrets = new Map<string, Secret>();
  let material: TlsMaterial | undefined;
  let leaf: X509Certificate | undefined;
  let updatedAt: Date | undefined;
  const listeners = new Set<() => void>();

  const gate = new ReadyGate(
    readyTimeout,
    () => {
      const last = stream.status().lastError;
      return new RpcError(Code.Unavailable, `SDS ${address}: no certificate ${names.join('+')} within ${readyTimeout} ms` +
        (last ? ` (last error: ${last.message})` : ''));
    },
    () => new RpcError(Code.Shutdown, `SDS ${address}: closed before a certificate arrived`),
  );

  // Runs on every response: an error thrown here NACKs it and leaves the previous secrets in place.
  const accept = (resources: Parameters<typeof secretsOf>[0]): Accepted => {
    const merged = new Map(secrets); // SotW for secrets: a response may carry only what changed
    for (const [name, secret] of secretsOf(resources)) merged.set(name, secret);
    const certSecret = merged.get(certName);
    const caSecret = caName === null ? undefined : merged.get(caName);
    if (!certSecret || (caName !== null && !caSecret)) return { secrets: merged }; // not all here yet
    const { cert, key, leaf: parsed } = certificateOf(certSecret);
    const ca = caSecret ? rootsOf(caSecret) : undefined;
    return { secrets: merged, material: ca === undefined ? { cert, key } : { cert, key, ca }, leaf: parsed };
  };

  const adopt = (accepted: Accepted): void => {
    secrets = accepted.secrets;
    if (!accepted.material || sameMaterial(material, accepted.material)) return;
    const first = material === undefined;
    material = accepted.material;
    leaf = accepted.leaf;
    updatedAt = new Date();
    tlsLoad('sds', 'adopted');
    if (first) {
      gate.open();
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        // One listener's bug must not stop the others nor the stream.
        process.emitWarning(`SDS onChange listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const stream = new DiscoveryStream<Accepted>({
    target: address,
    method: SDS_METHOD,
    typeUrl: SECRET_TYPE_URL,
    resourceNames: names,
    node: options.node ?? { id: `meshlet~${hostname()}~${process.pid}`, cluster: 'meshlet', userAgentName: 'meshlet' },
    accept,
    onAccepted: adopt,
    onRejected: () => tlsLoad('sds', 'refused', Code.InvalidArgument),
    backoff: options.backoff,
  }).start();

  return {
    ready: () => gate.wait(),
    current: () => {
      if (!material) throw new RpcError(Code.Unavailable, `SDS ${address}: no certificate yet (await ready())`);
      return material;
    },
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    status: () => {
      const s = stream.status();
      return {
        address,
        resources: names,
        state: s.state,
        ready: material !== undefined,
        version: s.version,
        acceptedAt: s.acceptedAt,
        updatedAt,
        certificate: leaf && { serial: leaf.serialNumber, validTo: leaf.validTo, spiffeId: spiffeIdOf(leaf) },
        streams: s.streams,
        acks: s.acks,
        nacks: s.nacks,
        lastError: s.lastError,
      };
    },
    close: () => {
      stream.close();
      listeners.clear();
      gate.close();
    },
  };
}
