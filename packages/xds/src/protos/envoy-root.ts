// Envoy's own .proto files, parsed by protobufjs once, on first use: the subset a proxyless client
// reads (listeners with the HTTP connection manager and its router and fault filters, routes,
// clusters with their outlier detection, circuit breakers and load-balancing policies, endpoints,
// secrets), the discovery messages (SotW and delta) and CSDS' ClientConfig. Their imports pull in
// what they use (core, type, udpa/xds annotations, validate). The files come from
// @grpc/grpc-js-xds, which ships Envoy's, xds', googleapis' and protoc-gen-validate's protos under
// deps/ (pinned: the proto set decides what decodes); protobufjs' own folder has descriptor.proto.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { Code, RpcError } from '@meshlet/core';

/** The entry files; everything they import is loaded with them. */
export const ENVOY_PROTO_FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/status/v3/csds.proto',
] as const;

const PROTOS_PACKAGE = '@grpc/grpc-js-xds';

let root: protobuf.Root | undefined;

function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  let xdsDir: string;
  try {
    xdsDir = dirname(require.resolve(`${PROTOS_PACKAGE}/package.json`));
  } catch (err) {
    throw new RpcError(
      Code.InvalidArgument,
      `@meshlet/xds reads Envoy's .proto files from the optional package ${PROTOS_PACKAGE}: npm install ${PROTOS_PACKAGE}@1.14.1`,
      { cause: err },
    );
  }
  const deps = join(xdsDir, 'deps');
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'googleapis'),
    join(deps, 'protoc-gen-validate'),
    dirname(require.resolve('protobufjs/package.json')),
  ];
}

/** The Envoy root, loaded (about 150 ms) on the first call and shared afterwards. */
export function envoyRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const dirs = includeDirs();
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of dirs) {
      const path = join(dir, target);
      if (existsSync(path)) return path;
    }
    return target; // protobufjs reports it as not found, naming the file
  };
  try {
    r.loadSync([...ENVOY_PROTO_FILES], { keepCase: false });
    r.resolveAll();
  } catch (err) {
    throw new RpcError(Code.Internal, `loading Envoy's .proto files: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  root = r;
  return r;
}

/** The message type a type URL names (`type.googleapis.com/<full name>`), undefined when not loaded. */
export function typeOf(typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  if (name === '') return undefined;
  try {
    const found = envoyRoot().lookup(name);
    return found instanceof protobuf.Type ? found : undefined;
  } catch {
    return undefined;
  }
}
