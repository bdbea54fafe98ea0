// @meshlet/xds: an xDS client for proxyless meshes. The ADS stream machinery of one type
// (DiscoveryStream, used by SDS) is at '@meshlet/xds/stream'.
export { LISTENER, ROUTE_CONFIGURATION, CLUSTER, CLUSTER_LOAD_ASSIGNMENT, SECRET, RESOURCE_TYPES, shortTypeName, isFullStateType } from './type-urls.js';
