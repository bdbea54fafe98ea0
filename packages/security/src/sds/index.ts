// Certificates from an SDS server (Envoy's Secret Discovery Service, as Istio's node agent serves
// them), and the state-of-the-world discovery stream it runs on, reusable for other xDS types.
export { sdsTlsSource, ISTIO_SDS_SOCKET, type SdsTlsSource, type SdsTlsSourceOptions, type SdsStatus } from './source.js';
export { DiscoveryStream, type DiscoveryStreamOptions, type DiscoveryState, type DiscoveryStatus } from './discovery-stream.js';
export type { XdsNode, AnyResource } from './xds-messages.js';
