// Certificates from an SDS server (Envoy's Secret Discovery Service, as Istio's node agent serves
// them). The state-of-the-world discovery stream it runs on lives in @meshlet/xds (re-exported here).
export { sdsTlsSource, ISTIO_SDS_SOCKET, type SdsTlsSource, type SdsTlsSourceOptions, type SdsStatus } from './source.js';
export { DiscoveryStream, type DiscoveryStreamOptions, type DiscoveryState, type DiscoveryStatus } from '@meshlet/xds/stream';
export type { XdsNode, AnyResource } from '@meshlet/xds/stream';
