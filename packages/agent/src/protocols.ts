import type { Protocol } from '@meshlet/core';
import { BUILTIN_PROTOCOLS } from 'meshlet-rpc';

/**
 * The protocols the agent serves on its ports and routes through its runtimes: the built-in ones
 * of `meshlet-rpc` (its one list, `BUILTIN_PROTOCOLS`) that bring a relay (`Protocol.relay`:
 * framing, routing key, stop signals, status table). The agent holds nothing protocol-specific, so
 * a protocol added there with a relay is served here too, with no change in this package.
 */
export function agentProtocols(): Protocol[] {
  return BUILTIN_PROTOCOLS.map((r) => r.create()).filter((p) => p.relay !== undefined);
}
