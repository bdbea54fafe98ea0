import type { Protocol, RelayCodec, RelayOptions } from '@meshlet/core';
import { relayProtocol } from './client.js';

export { RelayRequest, type RelayCodec, type RequestInfo, type Direction } from './types.js';
export { RelayClient, relayProtocol } from './client.js';

/**
 * One relay codec for each of `protocols` that has a relay (`Protocol.relay`), each with its own
 * (not re-entrant) writers. `optionalGoAway`: send stop frames some callers may not know (Bolt's GoAway).
 */
export function relayCodecs(protocols: readonly Protocol[], options: RelayOptions = {}): RelayCodec[] {
  return protocols.flatMap((p) => (p.relay ? [p.relay.codec(options)] : []));
}

/** Core protocols over `codecs`, under the names (and URLs) of the protocols they relay, for the agent's runtimes. */
export function relayProtocols(protocols: readonly Protocol[], codecs: readonly RelayCodec[]): Protocol[] {
  return codecs.map((c) => relayProtocol(c, protocols.find((p) => p.name === c.protocol)!));
}
