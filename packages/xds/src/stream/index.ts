// One state-of-the-world xDS subscription on its own gRPC stream (what SDS runs on), and the
// discovery messages from a minimal descriptor with Envoy's field numbers: cheap to load, no
// Envoy .proto files needed. Imports @grpc/grpc-js: load this entry lazily where gRPC is optional.
export { DiscoveryStream, type DiscoveryStreamOptions, type DiscoveryState, type DiscoveryStatus } from './discovery-stream.js';
export {
  XDS_DESCRIPTOR,
  xdsRoot,
  RESOURCE_WRAPPER_TYPE,
  encodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDiscoveryResponse,
  decodeDiscoveryRequest,
  unwrapResource,
  type XdsNode,
  type AnyResource,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from './xds-messages.js';
