// @meshlet/xds: an xDS client for proxyless meshes (ADS, state-of-the-world or delta, against any
// xDS control plane), Envoy's resources decoded from Envoy's .proto files. The one-type stream that
// SDS runs on is at '@meshlet/xds/stream'. This entry imports neither @grpc/grpc-js nor the protos:
// a client loads them when it starts.
export { LISTENER, ROUTE_CONFIGURATION, CLUSTER, CLUSTER_LOAD_ASSIGNMENT, SECRET, RESOURCE_TYPES, shortTypeName, isFullStateType } from './type-urls.js';
export { XdsClient, createXdsClient, DELTA_FEATURE, type XdsClientOptions, type XdsClientState, type XdsClientStatus } from './client/xds-client.js';
export { WILDCARD, type ResourceWatcher, type ResourceMeta, type ResourceStatus, type ResourceError } from './client/resource-cache.js';
export type { XdsClientConfig, XdsGenericConfig } from './client/dump.js';
export {
  parseBootstrap,
  type XdsBootstrap,
  type XdsBootstrapNode,
  type XdsServerConfig,
  type XdsChannelCreds,
  type XdsLocality,
  type XdsCertificateProvider,
} from './bootstrap/bootstrap.js';
export { bootstrapFromEnv, shorthandBootstrap, generatedNodeId } from './bootstrap/from-env.js';
export { decodeMessage, anyToObject, TO_OBJECT, type XdsObject, type AnyLike } from './decode/decode.js';
export { decodeResource, type DecodedResource } from './decode/resource.js';
export { InvalidResource, validateResource } from './validate/index.js';
export { envoyRoot, ENVOY_PROTO_FILES } from './protos/envoy-root.js';
// The proxyless mesh: a reference's Listener/RouteConfiguration/Cluster/ClusterLoadAssignment onto the core's MeshControl (RuntimeOptions.mesh).
export * from './mesh/index.js';
