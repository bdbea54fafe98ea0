export { Agent, AGENT_VERSION, type AgentAddresses } from './agent.js';
export { loadAgentConfig, checkConfig, AGENT_DEFAULTS, type AgentConfig, type LoadOptions } from './config.js';
export { routeKey, routeKeys, type RouteKey } from './keys.js';
export { agentProtocols } from './protocols.js';
export { relayCodecs, relayProtocols, RelayRequest, RelayClient, type RelayCodec, type RequestInfo, type Direction } from './relay/index.js';

import { Agent } from './agent.js';
import { loadAgentConfig, type LoadOptions } from './config.js';

/** Loads the configuration (file, env, overrides) and starts an agent. */
export function startAgent(options: LoadOptions = {}): Promise<Agent> {
  return Agent.start(loadAgentConfig(options));
}
