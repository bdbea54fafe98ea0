// What every `meshlet` subcommand is: main.ts keeps a table of these, so adding a command is one
// import and one table entry.
import type { Parsed } from './args.js';

/** Where a command writes: stdout lines (results) and stderr lines (notes, never parsed). */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface Command {
  /** The word after `meshlet`. */
  readonly name: string;
  /** Printed by `meshlet help`, `meshlet <name> --help`, and after a usage error. */
  readonly usage: string;
  /** Flags that take no value (`--compact`), so the argument after one stays positional. */
  readonly booleans?: readonly string[];
  /** Runs the command; resolves to the exit code (0 done, 1 failed). Throw UsageError for exit 2. */
  run(args: Parsed, io: CommandIo): Promise<number>;
}

// Defined in its own module so args.ts can throw it without importing this one (no import circle).
export { UsageError } from './usage-error.js';
