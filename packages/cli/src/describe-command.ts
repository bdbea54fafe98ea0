// `meshlet describe`: a service's methods with their Java types, where the provider tells.
import { toRpcError } from '@meshlet/core';
import { flagText, type Parsed } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { describeTarget } from './describe.js';
import { timeoutOf } from './invoke-command.js';
import { stringifyExact } from './json.js';
import { parseTarget } from './target.js';

const DESCRIBE_USAGE = `meshlet describe <url | interface> [--registry url] [--protocol p] [--group g] [--version v]
                 [--timeout ms] [--json]

Lists a service's methods, one line each (name(parameter types) -> return type), or with --json
the description as JSON. Sources, best first: Dubbo's MetadataService.getServiceDefinition (Java
Dubbo 2.7/3 providers that export it, and every Meshlet Dubbo provider); else the registry's
provider URLs (methods=, names only). Exits 1 with CODE: message when no source answers.`;

export const describeCommand: Command = { name: 'describe', usage: DESCRIBE_USAGE, booleans: ['json'], run: runDescribe };

async function runDescribe(args: Parsed, io: CommandIo): Promise<number> {
  const [spec, extra] = args.positional;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  const target = parseTarget(spec, args.flags);
  const timeout = timeoutOf(flagText(args.flags, 'timeout'));
  try {
    const d = await describeTarget(target, timeout);
    if (args.flags.json === true) {
      io.out(stringifyExact(d, 1));
      return 0;
    }
    io.out(`${d.interface} (from the ${d.source === 'registry' ? 'registry: names only' : 'MetadataService'})`);
    for (const m of d.methods) {
      io.out(`  ${m.name}${m.parameterTypes ? `(${m.parameterTypes.join(', ')})` : ''}${m.returnType ? ` -> ${m.returnType}` : ''}`);
    }
    return 0;
  } catch (err) {
    const e = toRpcError(err);
    io.err(`${e.code}: ${e.message}`);
    return 1;
  }
}
