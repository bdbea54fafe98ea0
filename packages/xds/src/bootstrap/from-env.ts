// Where the bootstrap comes from: MESHLET_XDS (a bootstrap file, or the shorthand `xds://host:port` /
// `unix:/path` for one insecure ADS server with a generated node id), else gRPC's GRPC_XDS_BOOTSTRAP
// (a file) and GRPC_XDS_BOOTSTRAP_CONFIG (the JSON itself), in that order.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Code, RpcError } from '@meshlet/core';
import { parseBootstrap, type XdsBootstrap } from './bootstrap.js';

/** `meshlet~<host>~<pid>~<random>`: unique per process, readable in a control plane's logs. */
export function generatedNodeId(): string {
  return `meshlet~${hostname()}~${process.pid}~${randomBytes(3).toString('hex')}`;
}

/** The bootstrap of the `xds://host:port` / `unix:/path` shorthand. */
export function shorthandBootstrap(address: string, delta = false): XdsBootstrap {
  const serverUri = address.startsWith('xds://') ? address.slice('xds://'.length).replace(/\/+$/, '') : address;
  if (serverUri === '' || (!serverUri.startsWith('unix:') && !/^[^/]+:\d+$/.test(serverUri))) {
    throw new RpcError(Code.InvalidArgument, `MESHLET_XDS: ${address} is neither a bootstrap file, xds://host:port nor unix:/path`);
  }
  return {
    xdsServers: [{ serverUri, channelCreds: { type: 'insecure' }, serverFeatures: delta ? ['xds_v3', 'meshlet_delta'] : ['xds_v3'] }],
    node: { id: generatedNodeId() },
  };
}

function readBootstrapFile(path: string, variable: string): XdsBootstrap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RpcError(Code.InvalidArgument, `${variable}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseBootstrap(text);
}

/** The bootstrap the environment names, or undefined when it names none. */
export function bootstrapFromEnv(env: NodeJS.ProcessEnv = process.env): XdsBootstrap | undefined {
  const meshlet = env['MESHLET_XDS']?.trim();
  if (meshlet) {
    if (meshlet.startsWith('xds://') || meshlet.startsWith('unix:')) return shorthandBootstrap(meshlet, env['MESHLET_XDS_DELTA'] === 'true');
    return readBootstrapFile(meshlet, 'MESHLET_XDS');
  }
  const file = env['GRPC_XDS_BOOTSTRAP']?.trim();
  if (file) return readBootstrapFile(file, 'GRPC_XDS_BOOTSTRAP');
  const config = env['GRPC_XDS_BOOTSTRAP_CONFIG']?.trim();
  if (config) return parseBootstrap(config);
  return undefined;
}
