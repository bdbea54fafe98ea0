export { parseArgs, type Parsed } from './args.js';
export { UsageError, type Command, type CommandIo } from './command.js';
export { agentCommand } from './agent-command.js';
export { registryCommand } from './registry-command.js';
export { invokeCommand, withGeneric, splitTypes } from './invoke-command.js';
export { describeCommand } from './describe-command.js';
export { describeTarget, type Description, type DescribedMethod } from './describe.js';
export { parseTarget, type Target } from './target.js';
export { parseJsonExact, stringifyExact } from './json.js';
