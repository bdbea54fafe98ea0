// gRPC's xDS bootstrap (gRFC A27 and after): which control plane, how to reach it, and who we are.
// Parsed strictly enough to catch a typo before a stream is opened: bad input -> RpcError
// INVALID_ARGUMENT naming the field.
import { Code, RpcError } from '@meshlet/core';

export interface XdsLocality {
  readonly region?: string | undefined;
  readonly zone?: string | undefined;
  readonly subZone?: string | undefined;
}

export interface XdsBootstrapNode {
  readonly id: string;
  readonly cluster?: string | undefined;
  /** Free-form JSON, sent as a google.protobuf.Struct (Istio reads ISTIO_VERSION, NAMESPACE, ... here). */
  readonly metadata?: Record<string, unknown> | undefined;
  readonly locality?: XdsLocality | undefined;
}

/** How to reach a server: the first `channel_creds` entry of a type we support. */
export type XdsChannelCreds =
  | { readonly type: 'insecure' }
  | { readonly type: 'tls'; readonly caCertificateFile?: string | undefined; readonly certificateFile?: string | undefined; readonly privateKeyFile?: string | undefined };

export interface XdsServerConfig {
  /** gRPC target: `host:port`, `dns:///host:port`, `unix:/path`. */
  readonly serverUri: string;
  readonly channelCreds: XdsChannelCreds;
  /** `xds_v3`, `ignore_resource_deletion`, and ours: `meshlet_delta` (incremental xDS on this server). */
  readonly serverFeatures: readonly string[];
}

/**
 * A `certificate_providers` entry (gRFC A29): `file_watcher` read into its fields; another
 * plugin kept by name (clusters naming it cannot be dialed).
 */
export type XdsCertificateProvider =
  | {
    readonly pluginName: 'file_watcher';
    readonly certificateFile?: string | undefined;
    readonly privateKeyFile?: string | undefined;
    readonly caCertificateFile?: string | undefined;
    /** `refresh_interval` in ms (gRPC's default: 10 minutes). */
    readonly refreshIntervalMs: number;
  }
  | { readonly pluginName: string; readonly config: Readonly<Record<string, unknown>> };

export interface XdsBootstrap {
  readonly xdsServers: readonly XdsServerConfig[];
  readonly node: XdsBootstrapNode;
  /** `certificate_providers` by instance name: what clusters' TLS contexts name for certificates and roots. */
  readonly certificateProviders?: Readonly<Record<string, XdsCertificateProvider>> | undefined;
  /** Kept as given, for the mapping (server-side listeners' names). */
  readonly serverListenerResourceNameTemplate?: string | undefined;
  readonly clientDefaultListenerResourceNameTemplate?: string | undefined;
}

const SUPPORTED_CREDS = new Set(['insecure', 'tls']);

function bad(field: string, why: string): RpcError {
  return new RpcError(Code.InvalidArgument, `xDS bootstrap: ${field} ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${field}.${key}`, 'must be a string');
  return v;
}

/** Parses a bootstrap from its JSON text or an already parsed object. */
export function parseBootstrap(input: string | unknown): XdsBootstrap {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (err) {
      throw new RpcError(Code.InvalidArgument, `xDS bootstrap: not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  if (!isObject(json)) throw bad('(root)', 'must be a JSON object');
  const servers = json['xds_servers'];
  if (!Array.isArray(servers) || servers.length === 0) throw bad('xds_servers', 'must be a non-empty array');
  const xdsServers = servers.map((s, i) => parseServer(s, `xds_servers[${i}]`));
  const nodeJson = json['node'] ?? {};
  if (!isObject(nodeJson)) throw bad('node', 'must be an object');
  const node = parseNode(nodeJson);
  return {
    xdsServers,
    node,
    certificateProviders: parseCertificateProviders(json['certificate_providers']),
    serverListenerResourceNameTemplate: optString(json, 'server_listener_resource_name_template', '(root)'),
    clientDefaultListenerResourceNameTemplate: optString(json, 'client_default_listener_resource_name_template', '(root)'),
  };
}

function parseServer(s: unknown, field: string): XdsServerConfig {
  if (!isObject(s)) throw bad(field, 'must be an object');
  const serverUri = s['server_uri'];
  if (typeof serverUri !== 'string' || serverUri.trim() === '') throw bad(`${field}.server_uri`, 'must be a non-empty string');
  const creds = s['channel_creds'];
  if (!Array.isArray(creds) || creds.length === 0) throw bad(`${field}.channel_creds`, 'must be a non-empty array');
  const types: string[] = [];
  let chosen: XdsChannelCreds | undefined;
  creds.forEach((c, i) => {
    if (!isObject(c) || typeof c['type'] !== 'string') throw bad(`${field}.channel_creds[${i}].type`, 'must be a string');
    types.push(c['type']);
    if (chosen !== undefined || !SUPPORTED_CREDS.has(c['type'])) return;
    if (c['type'] === 'insecure') chosen = { type: 'insecure' };
    else {
      const config = c['config'] ?? {};
      if (!isObject(config)) throw bad(`${field}.channel_creds[${i}].config`, 'must be an object');
      const at = `${field}.channel_creds[${i}].config`;
      chosen = {
        type: 'tls',
        caCertificateFile: optString(config, 'ca_certificate_file', at),
        certificateFile: optString(config, 'certificate_file', at),
        privateKeyFile: optString(config, 'private_key_file', at),
      };
    }
  });
  if (chosen === undefined) throw bad(`${field}.channel_creds`, `has no supported type (${types.join(', ')}); supported: insecure, tls`);
  const features = s['server_features'] ?? [];
  if (!Array.isArray(features) || features.some((f) => typeof f !== 'string')) throw bad(`${field}.server_features`, 'must be an array of strings');
  return { serverUri, channelCreds: chosen, serverFeatures: features as string[] };
}

function parseNode(n: Record<string, unknown>): XdsBootstrapNode {
  const id = optString(n, 'id', 'node') ?? '';
  const cluster = optString(n, 'cluster', 'node');
  const metadata = n['metadata'];
  if (metadata !== undefined && !isObject(metadata)) throw bad('node.metadata', 'must be an object');
  const loc = n['locality'];
  if (loc !== undefined && !isObject(loc)) throw bad('node.locality', 'must be an object');
  const locality = loc === undefined
    ? undefined
    : { region: optString(loc, 'region', 'node.locality'), zone: optString(loc, 'zone', 'node.locality'), subZone: optString(loc, 'sub_zone', 'node.locality') };
  return { id, cluster, metadata: metadata as Record<string, unknown> | undefined, locality };
}

/** gRPC's file_watcher refresh when the bootstrap sets none. */
const FILE_WATCHER_REFRESH_MS = 600_000;

function parseCertificateProviders(v: unknown): Record<string, XdsCertificateProvider> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad('certificate_providers', 'must be an object');
  const out: Record<string, XdsCertificateProvider> = Object.create(null);
  for (const [name, entry] of Object.entries(v)) {
    const field = `certificate_providers.${name}`;
    if (!isObject(entry)) throw bad(field, 'must be an object');
    const pluginName = entry['plugin_name'];
    if (typeof pluginName !== 'string' || pluginName === '') throw bad(`${field}.plugin_name`, 'must be a non-empty string');
    const config = entry['config'] ?? {};
    if (!isObject(config)) throw bad(`${field}.config`, 'must be an object');
    if (pluginName !== 'file_watcher') {
      out[name] = { pluginName, config };
      continue;
    }
    const at = `${field}.config`;
    const certificateFile = optString(config, 'certificate_file', at);
    const privateKeyFile = optString(config, 'private_key_file', at);
    // gRPC's rule: the certificate and its key come together, and a provider gives something.
    if ((certificateFile === undefined) !== (privateKeyFile === undefined)) throw bad(at, 'must set certificate_file and private_key_file together');
    const caCertificateFile = optString(config, 'ca_certificate_file', at);
    if (certificateFile === undefined && caCertificateFile === undefined) throw bad(at, 'must set certificate_file and private_key_file, or ca_certificate_file');
    const refresh = config['refresh_interval'];
    let refreshIntervalMs = FILE_WATCHER_REFRESH_MS;
    if (refresh !== undefined) {
      // A Duration in proto3 JSON: "600s", "1.5s".
      const m = typeof refresh === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(refresh.trim()) : null;
      if (m === null || Number(m[1]) <= 0) throw bad(`${at}.refresh_interval`, 'must be a positive duration like "600s"');
      refreshIntervalMs = Number(m[1]) * 1000;
    }
    out[name] = { pluginName, certificateFile, privateKeyFile, caCertificateFile, refreshIntervalMs };
  }
  return out;
}
