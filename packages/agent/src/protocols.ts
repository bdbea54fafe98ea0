import type { Protocol } from '@meshlet/core';
import { bolt } from '@meshlet/transport-bolt';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';

/**
 * The protocols the agent serves on its ports and routes through its runtimes. Each brings its
 * own relay (`Protocol.relay`: framing, routing key, stop signals, status table), so the agent
 * holds nothing protocol-specific: a protocol with a relay is one more entry here.
 */
export function agentProtocols(): Protocol[] {
  return [dubbo(), bolt(), motan2()];
}
