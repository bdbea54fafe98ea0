export { parseArgs, type Parsed } from './args.js';
export { agentCommand, AGENT_USAGE } from './agent-command.js';
export { registryCommand, REGISTRY_USAGE } from './registry-command.js';
