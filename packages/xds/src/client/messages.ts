// The ADS messages, encoded and decoded with Envoy's own discovery.proto (SotW and delta), and the
// Node we introduce ourselves with.
import protobuf from 'protobufjs';
import { Code, RpcError } from '@meshlet/core';
import type { XdsBootstrapNode } from '../bootstrap/bootstrap.js';
import { anyTypeUrl, type AnyLike } from '../decode/decode.js';
import { envoyRoot } from '../protos/envoy-root.js';

export const ADS_SOTW_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const ADS_DELTA_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

/** google.rpc.Code INVALID_ARGUMENT, what Envoy and gRPC put in a NACK's error_detail. */
export const INVALID_ARGUMENT = 3;

/**
 * What gRPC's clients announce: they ignore EDS overprovisioning, and accept resources wrapped in
 * envoy.service.discovery.v3.Resource in SotW responses.
 */
export const CLIENT_FEATURES = ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'];

const types = (() => {
  let t: Record<'req' | 'res' | 'dreq' | 'dres' | 'wrapper', protobuf.Type> | undefined;
  return () =>
    (t ??= {
      req: envoyRoot().lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
      res: envoyRoot().lookupType('envoy.service.discovery.v3.DiscoveryResponse'),
      dreq: envoyRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
      dres: envoyRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
      wrapper: envoyRoot().lookupType('envoy.service.discovery.v3.Resource'),
    });
})();

export interface ErrorDetail {
  readonly code: number;
  readonly message: string;
}

export interface SotwRequest {
  readonly versionInfo: string;
  readonly node?: object | undefined;
  readonly resourceNames: readonly string[];
  readonly typeUrl: string;
  readonly responseNonce: string;
  readonly errorDetail?: ErrorDetail | undefined;
}

export interface DeltaRequest {
  readonly node?: object | undefined;
  readonly typeUrl: string;
  readonly resourceNamesSubscribe?: readonly string[] | undefined;
  readonly resourceNamesUnsubscribe?: readonly string[] | undefined;
  readonly initialResourceVersions?: Record<string, string> | undefined;
  readonly responseNonce?: string | undefined;
  readonly errorDetail?: ErrorDetail | undefined;
}

export interface SotwResponse {
  readonly versionInfo: string;
  readonly resources: readonly AnyLike[];
  readonly typeUrl: string;
  readonly nonce: string;
}

export interface DeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource?: AnyLike | undefined;
}

export interface DeltaResponse {
  readonly systemVersionInfo: string;
  readonly resources: readonly DeltaResource[];
  readonly typeUrl: string;
  readonly removedResources: readonly string[];
  readonly nonce: string;
}

function encode(type: protobuf.Type, object: object): Buffer {
  return Buffer.from(type.encode(type.fromObject(object as Record<string, unknown>)).finish());
}

function decode(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), { longs: Number, defaults: true, arrays: true, objects: true }) as Record<string, unknown>;
  } catch (err) {
    throw new RpcError(Code.BadResponse, `xDS: not a ${type.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export const encodeSotwRequest = (r: SotwRequest): Buffer => encode(types().req, { ...r, resourceNames: [...r.resourceNames] });
export const encodeDeltaRequest = (r: DeltaRequest): Buffer => encode(types().dreq, r);
export const encodeSotwResponse = (r: SotwResponse): Buffer => encode(types().res, r);
export const encodeDeltaResponse = (r: DeltaResponse): Buffer => encode(types().dres, r);

export function decodeSotwResponse(bytes: Uint8Array): SotwResponse {
  const m = decode(types().res, bytes);
  return { versionInfo: String(m['versionInfo']), typeUrl: String(m['typeUrl']), nonce: String(m['nonce']), resources: m['resources'] as AnyLike[] };
}

export function decodeDeltaResponse(bytes: Uint8Array): DeltaResponse {
  const m = decode(types().dres, bytes);
  return {
    systemVersionInfo: String(m['systemVersionInfo']),
    typeUrl: String(m['typeUrl']),
    nonce: String(m['nonce']),
    removedResources: m['removedResources'] as string[],
    resources: (m['resources'] as Array<Record<string, unknown>>).map((r) => ({
      name: String(r['name'] ?? ''),
      version: String(r['version'] ?? ''),
      resource: r['resource'] as AnyLike | undefined,
    })),
  };
}

export function decodeSotwRequest(bytes: Uint8Array): SotwRequest {
  const m = decode(types().req, bytes);
  return m as unknown as SotwRequest;
}

export function decodeDeltaRequest(bytes: Uint8Array): DeltaRequest {
  return decode(types().dreq, bytes) as unknown as DeltaRequest;
}

export const RESOURCE_WRAPPER = 'type.googleapis.com/envoy.service.discovery.v3.Resource';

/** A SotW resource: the Any itself, or the Any inside an envoy.service.discovery.v3.Resource wrapper. */
export function unwrap(any: AnyLike): { any: AnyLike; name?: string | undefined } {
  if (anyTypeUrl(any) !== RESOURCE_WRAPPER) return { any };
  const w = decode(types().wrapper, any.value ?? new Uint8Array(0));
  const inner = w['resource'] as AnyLike | undefined;
  if (inner === undefined || inner === null) throw new RpcError(Code.BadResponse, 'xDS: a Resource wrapper without a resource');
  return { any: inner, name: String(w['name'] ?? '') || undefined };
}

/** JSON as google.protobuf.Struct's object form. */
function toValue(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}

export function toStruct(o: Record<string, unknown>): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** The envoy.config.core.v3.Node of the first request of each stream. */
export function nodeMessage(node: XdsBootstrapNode, userAgentVersion: string): object {
  return {
    id: node.id,
    cluster: node.cluster ?? '',
    metadata: node.metadata === undefined ? undefined : toStruct(node.metadata),
    locality: node.locality,
    userAgentName: 'meshlet',
    userAgentVersion,
    clientFeatures: CLIENT_FEATURES,
  };
}
