import type { Protocol, ProtocolRegistration } from '@meshlet/core';
import { boltProtocol } from '@meshlet/transport-bolt';
import { dubboProtocol } from '@meshlet/transport-dubbo';
import { motan2Protocol } from '@meshlet/transport-motan';

/**
 * The protocols the agent serves on its ports and routes through its runtimes, by their
 * registrations. Each brings its own relay (`Protocol.relay`: framing, routing key, stop signals,
 * status table), so the agent holds nothing protocol-specific: a protocol with a relay is one more
 * registration here.
 */
const RELAYED: readonly ProtocolRegistration[] = [dubboProtocol, boltProtocol, motan2Protocol];

/** New instances of the relayed protocols (default options). */
export function agentProtocols(): Protocol[] {
  return RELAYED.map((r) => r.create());
}
