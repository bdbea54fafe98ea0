import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GenResult } from '@meshlet/codegen';
import { flagText, type Parsed } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';

const GEN_USAGE = `meshlet gen <api.jar | classes-dir | file.proto>... [--out dir] [--include com.acme.api.*,...]
            [--version v] [--group g] [--transport bolt|rsocket] [--name file.ts]

Writes TypeScript service definitions (defineService, typed descriptors) from a Java API jar or
class folder (interfaces, DTOs, enums, generics, exceptions, overloads) and from .proto files.
--include picks the interfaces that become services (pkg.* a package, pkg.** with subpackages, or a
class name; comma-separated); DTOs, enums and exceptions come along transitively. Java inputs go to
<out>/java-api.ts, .proto inputs to <out>/<first proto name>.ts (--name renames; without --out the
code goes to stdout). --transport picks protobufMessage's transport for .proto (default bolt).
Types that cannot be typed exactly are listed on stderr.`;

export const genCommand: Command = { name: 'gen', usage: GEN_USAGE, run: runGen };

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

async function runGen(args: Parsed, { out, err }: CommandIo): Promise<number> {
  const inputs = args.positional;
  if (inputs.length === 0) throw new UsageError('missing the jar, class folder or .proto files to read');
  const transport = flagText(args.flags, 'transport') ?? 'bolt';
  if (transport !== 'bolt' && transport !== 'rsocket') throw new UsageError(`--transport takes bolt or rsocket, got ${JSON.stringify(transport)}`);
  for (const f of ['out', 'include', 'version', 'group', 'name']) {
    if (args.flags[f] === true) throw new UsageError(`--${f} needs a value`);
  }
  const dir = flagText(args.flags, 'out');
  const name = flagText(args.flags, 'name');
  const include = list(flagText(args.flags, 'include'));
  const common = { include, version: flagText(args.flags, 'version'), group: flagText(args.flags, 'group') };
  // Loaded here, not at startup: the other commands need neither the class reader nor protobufjs.
  const { generateJava, generateProto, loadClasses } = await import('@meshlet/codegen');
  const protos = inputs.filter((i) => i.endsWith('.proto'));
  const java = inputs.filter((i) => !i.endsWith('.proto'));
  const results: [string, GenResult, boolean][] = [];
  if (java.length) results.push([name ?? 'java-api.ts', generateJava(loadClasses(java), common), true]);
  if (protos.length) results.push([name && !java.length ? name : `${basename(protos[0]!, '.proto')}.ts`, generateProto(protos, { ...common, transport }), false]);
  let empty = false;
  for (const [file, r, fromJava] of results) {
    for (const w of r.warnings) err(`meshlet gen: warning: ${w}`);
    // Java input is for services; a .proto of messages only is still worth generating.
    if (fromJava ? r.services.length === 0 : r.declarations === 0) empty = true;
    if (dir === undefined) out(r.code);
    else {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), r.code);
      const names = r.services.length > 12 ? [...r.services.slice(0, 12), `and ${r.services.length - 12} more`] : r.services;
      err(`meshlet gen: ${join(dir, file)}: ${r.services.length} service(s)${names.length ? `: ${names.join(', ')}` : ''}`);
    }
  }
  if (empty) {
    // An empty file with exit 0 would pass a build script and fail much later, at the first import.
    err(`meshlet gen: no service interfaces${protos.length ? ' or messages' : ''} found${include ? ` matching ${include.join(',')}` : ''}`);
    return 1;
  }
  return 0;
}
