// The xDS discovery messages, as protobufjs reflection built from our own minimal descriptor: the
// subset of Envoy's envoy/service/discovery/v3/discovery.proto, envoy/config/core/v3/base.proto
// (Node) and google/rpc/status.proto a state-of-the-world client reads and writes, with the SAME
// field numbers as Envoy's, so the bytes are Envoy's. Fields we do not declare are skipped when
// decoding. Embedded here, not read from .proto files, so nothing is looked up at run time.
import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

/** The discovery part; the secret types live in sds-messages.ts, over the same root. */
export const XDS_DESCRIPTOR = {
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { typeUrl: f(1, 'string'), value: f(2, 'bytes') } } } },
        rpc: {
          nested: {
            Status: {
              fields: { code: f(1, 'int32'), message: f(2, 'string'), details: f(3, 'google.protobuf.Any', 'repeated') },
            },
          },
        },
      },
    },
    envoy: {
      nested: {
        config: {
          nested: {
            core: {
              nested: {
                v3: {
                  nested: {
                    Node: {
                      fields: {
                        id: f(1, 'string'),
                        cluster: f(2, 'string'),
                        userAgentName: f(6, 'string'),
                        userAgentVersion: f(7, 'string'),
                        clientFeatures: f(10, 'string', 'repeated'),
                      },
                    },
                  },
                },
              },
            },
          },
        },
        service: {
          nested: {
            discovery: {
              nested: {
                v3: {
                  nested: {
                    DiscoveryRequest: {
                      fields: {
                        versionInfo: f(1, 'string'),
                        node: f(2, 'envoy.config.core.v3.Node'),
                        resourceNames: f(3, 'string', 'repeated'),
                        typeUrl: f(4, 'string'),
                        responseNonce: f(5, 'string'),
                        errorDetail: f(6, 'google.rpc.Status'),
                      },
                    },
                    DiscoveryResponse: {
                      fields: {
                        versionInfo: f(1, 'string'),
                        resources: f(2, 'google.protobuf.Any', 'repeated'),
                        canary: f(3, 'bool'),
                        typeUrl: f(4, 'string'),
                        nonce: f(5, 'string'),
                      },
                    },
                    // The wrapper some servers put around a resource (TTLs, per-resource versions).
                    Resource: {
                      fields: { version: f(1, 'string'), resource: f(2, 'google.protobuf.Any'), name: f(3, 'string') },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const xdsRoot = protobuf.Root.fromJSON(XDS_DESCRIPTOR as unknown as protobuf.INamespace);

const RequestType = xdsRoot.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
const ResponseType = xdsRoot.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
const WrapperType = xdsRoot.lookupType('envoy.service.discovery.v3.Resource');

export const RESOURCE_WRAPPER_TYPE = 'type.googleapis.com/envoy.service.discovery.v3.Resource';

/** Who we are, in the first request of each stream (Envoy's `Node`). */
export interface XdsNode {
  readonly id: string;
  readonly cluster?: string | undefined;
  readonly userAgentName?: string | undefined;
  readonly userAgentVersion?: string | undefined;
}

/** `google.protobuf.Any`: a resource as it travels, its type named by URL. */
export interface AnyResource {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

export interface DiscoveryRequest {
  readonly versionInfo: string;
  readonly node?: XdsNode | undefined;
  readonly resourceNames: readonly string[];
  readonly typeUrl: string;
  readonly responseNonce: string;
  /** Set on a NACK: why the response named by `responseNonce` was rejected. */
  readonly errorDetail?: { readonly code: number; readonly message: string } | undefined;
}

export interface DiscoveryResponse {
  readonly versionInfo: string;
  readonly resources: readonly AnyResource[];
  readonly typeUrl: string;
  readonly nonce: string;
}

export function encodeDiscoveryRequest(req: DiscoveryRequest): Buffer {
  const message = RequestType.fromObject({
    versionInfo: req.versionInfo,
    node: req.node,
    resourceNames: [...req.resourceNames],
    typeUrl: req.typeUrl,
    responseNonce: req.responseNonce,
    errorDetail: req.errorDetail,
  });
  return Buffer.from(RequestType.encode(message).finish());
}

/** Throws (protobufjs' error) on bytes that are not a DiscoveryResponse. */
export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryResponse {
  const m = fieldsOf(ResponseType.decode(bytes));
  return {
    versionInfo: String(m['versionInfo'] ?? ''),
    typeUrl: String(m['typeUrl'] ?? ''),
    nonce: String(m['nonce'] ?? ''),
    resources: ((m['resources'] as AnyResource[] | undefined) ?? []).map((a) => ({
      typeUrl: a.typeUrl ?? '',
      value: a.value ?? new Uint8Array(0),
    })),
  };
}

/** For tests and servers of our own: the response as bytes. */
export function encodeDiscoveryResponse(res: DiscoveryResponse): Buffer {
  const message = ResponseType.fromObject({ ...res, resources: res.resources.map((r) => ({ ...r })) });
  return Buffer.from(ResponseType.encode(message).finish());
}

/** For tests and servers of our own: a request from bytes. */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  const m = fieldsOf(RequestType.decode(bytes));
  const error = m['errorDetail'] as { code?: number; message?: string } | undefined;
  const node = m['node'] as { id?: string; cluster?: string } | undefined;
  return {
    versionInfo: String(m['versionInfo'] ?? ''),
    node: node ? { id: node.id ?? '', cluster: node.cluster ?? '' } : undefined,
    resourceNames: [...((m['resourceNames'] as string[] | undefined) ?? [])],
    typeUrl: String(m['typeUrl'] ?? ''),
    responseNonce: String(m['responseNonce'] ?? ''),
    errorDetail: error ? { code: error.code ?? 0, message: error.message ?? '' } : undefined,
  };
}

/**
 * A resource as its own type: an `Any` of `typeUrl`, or the same inside the
 * `envoy.service.discovery.v3.Resource` wrapper. Throws when it is neither.
 */
export function unwrapResource(any: AnyResource, typeUrl: string): { value: Uint8Array; name?: string } {
  if (any.typeUrl === typeUrl) return { value: any.value };
  if (any.typeUrl === RESOURCE_WRAPPER_TYPE) {
    const w = fieldsOf(WrapperType.decode(any.value));
    const inner = w['resource'] as AnyResource | undefined;
    if (inner && inner.typeUrl === typeUrl) return { value: inner.value ?? new Uint8Array(0), name: String(w['name'] ?? '') };
    throw new Error(`a wrapped resource of type ${inner?.typeUrl ?? '(none)'}, expected ${typeUrl}`);
  }
  throw new Error(`a resource of type ${any.typeUrl || '(none)'}, expected ${typeUrl}`);
}

// protobufjs' decoded messages are plain objects with the declared fields; read them by name.
function fieldsOf(m: protobuf.Message): Record<string, unknown> {
  return m as unknown as Record<string, unknown>;
}
