#!/usr/bin/env node
// The `meshlet` command.
import { RpcError } from '@meshlet/core';
import { parseArgs } from './args.js';
import { agentCommand, AGENT_USAGE } from './agent-command.js';
import { registryCommand, REGISTRY_USAGE } from './registry-command.js';

const USAGE = `usage: meshlet <command>

${AGENT_USAGE}

${REGISTRY_USAGE}`;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  switch (command) {
    case 'agent':
      return agentCommand(args, out);
    case 'registry':
      return registryCommand(args, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`meshlet: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`meshlet: ${err instanceof RpcError ? `${err.code}: ${err.message}` : (err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
