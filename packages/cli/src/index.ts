export { parseArgs, type Parsed } from './args.js';
export { UsageError, type Command, type CommandIo } from './command.js';
export { agentCommand } from './agent-command.js';
export { registryCommand } from './registry-command.js';
