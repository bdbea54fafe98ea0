import type { Protocol } from '@meshlet/core';
import { bolt } from '@meshlet/transport-bolt';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';
import { BoltRelay } from './bolt.js';
import { relayProtocol } from './client.js';
import { DubboRelay } from './dubbo.js';
import { MotanRelay } from './motan.js';
import type { RelayCodec } from './types.js';

export { RelayRequest, type RelayCodec, type RequestInfo, type Direction } from './types.js';
export { RelayClient, relayProtocol } from './client.js';

/**
 * The three protocols the agent relays, each with its own (not re-entrant) writers. `boltGoAway`:
 * Bolt connections get MOSN's GoAway when the agent stops.
 */
export function relayCodecs(options: { readonly boltGoAway?: boolean } = {}): RelayCodec[] {
  return [new DubboRelay(), new BoltRelay({ goAway: options.boltGoAway }), new MotanRelay()];
}

/** Core protocols over `codecs`, for the agent's runtimes. */
export function relayProtocols(codecs: readonly RelayCodec[]): Protocol[] {
  const real: Record<string, () => Protocol> = { dubbo, bolt: () => bolt(), motan2: () => motan2() };
  return codecs.map((c) => relayProtocol(c, real[c.protocol]!()));
}
