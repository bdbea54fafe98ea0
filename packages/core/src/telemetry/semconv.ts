/**
 * The RPC semantic-convention names Meshlet emits (semantic-conventions 1.45, stable entry; copied
 * here rather than importing the incubating entry at run time, as its README advises).
 */
export const ATTR_RPC_SYSTEM_NAME = 'rpc.system.name';
export const ATTR_RPC_METHOD = 'rpc.method';
export const ATTR_RPC_STATUS_CODE = 'rpc.status_code';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
/** Meshlet's own: which attempt of a call this span is (0 = the first). */
export const ATTR_MESHLET_ATTEMPT = 'meshlet.attempt';

/** `rpc.system.name` per protocol: `dubbo` is registered; SOFA Bolt and Motan use lower-case customs. */
export function rpcSystem(protocol: string): string {
  switch (protocol) {
    case 'bolt':
      return 'sofarpc';
    case 'motan2':
      return 'motan';
    default:
      return protocol;
  }
}
