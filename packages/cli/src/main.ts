#!/usr/bin/env node
// The `meshlet` command: a table of subcommands (command.ts), one line each.
import { RpcError } from '@meshlet/core';
import { parseArgs } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { agentCommand } from './agent-command.js';
import { registryCommand } from './registry-command.js';
import { invokeCommand } from './invoke-command.js';
import { describeCommand } from './describe-command.js';
import { genCommand } from './gen-command.js';

const COMMANDS: readonly Command[] = [
  invokeCommand,
  describeCommand,
  genCommand,
  agentCommand,
  registryCommand,
];

const USAGE = `usage: meshlet <command> [--help]\n\n${COMMANDS.map((c) => c.usage).join('\n\n')}`;

const io: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    // `meshlet help invoke` prints that command's usage only.
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic?.usage ?? USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`meshlet: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  // Checked before parsing, so `--help` never reaches a command that would start working.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.booleans), io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`meshlet ${command.name}: ${err.message}\n\n${command.usage}`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    io.err(`meshlet: ${err instanceof RpcError ? `${err.code}: ${err.message}` : (err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
