// `meshlet invoke`: one generic call (Meshlet.generic) from the command line, result as JSON.
import { toRpcError } from '@meshlet/core';
import { flagText, type Parsed } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { parseJsonExact, stringifyExact } from './json.js';
import { parseTarget, type Target } from './target.js';
import { describeTarget } from './describe.js';
import { withGeneric } from './generic-client.js';

const INVOKE_USAGE = `meshlet invoke <url | interface> <method> ['<json args>'] [--types java.lang.String,long,...]
               [--registry url] [--protocol dubbo|bolt|motan2|rsocket] [--group g] [--version v]
               [--timeout ms] [--compact] [--verbose]

Calls a method of any service with no code: <url> is a provider (dubbo://127.0.0.1:20880/com.acme.Echo?version=1.0,
bolt://host:12200/iface, motan2://host:8002/iface, rsocket://host:7878/iface); an interface name is found
through --registry (or MESHLET_REGISTRY) on --protocol (dubbo). <json args> is a JSON array of the
arguments (a single non-array value is one argument); a POJO is an object whose "class" key names
its Java class; integers keep every digit (longs beyond 2^53 are exact). Dubbo calls go as
GenericService.$invoke (generic=true); other protocols as the typed call --types describes.
Without --types, the types come from the provider's description when it gives one (meshlet
describe), else from the JSON values (int, long, double, java.lang.String, boolean,
java.util.List, java.util.Map, the "class" of an object) — a note on stderr says which.
Prints the result as JSON (--compact: on one line) and exits 0, or prints CODE: message on stderr
and exits 1 (--verbose: with the remote stack trace a Java provider sent).`;

export const invokeCommand: Command = { name: 'invoke', usage: INVOKE_USAGE, booleans: ['compact', 'verbose'], run: runInvoke };

async function runInvoke(args: Parsed, io: CommandIo): Promise<number> {
  const [spec, method, json, extra] = args.positional;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)} (quote the JSON arguments as one)`);
  const target = parseTarget(spec, args.flags);
  if (method === undefined || method === '') throw new UsageError('missing the method name');
  const parsed = json === undefined ? [] : parseJsonExact(json, 'the arguments');
  const callArgs = Array.isArray(parsed) ? parsed : [parsed];
  const typesFlag = flagText(args.flags, 'types');
  const timeout = timeoutOf(flagText(args.flags, 'timeout'));
  let types = typesFlag === undefined ? undefined : splitTypes(typesFlag);
  if (types !== undefined && types.length !== callArgs.length) {
    throw new UsageError(`--types names ${types.length} type(s) for ${callArgs.length} argument(s)`);
  }
  try {
    if (types === undefined) types = await typesFromDescription(target, method, callArgs.length, timeout, io);
    const result = await withGeneric(target, timeout, (service) => service.$invoke(method, types, callArgs));
    io.out(stringifyExact(result, args.flags.compact === true ? 0 : 1));
    return 0;
  } catch (err) {
    const e = toRpcError(err);
    // Java providers put the remote stack trace in the message (Dubbo's GenericException): the
    // first line says what failed; --verbose prints the rest.
    const [first, ...stack] = e.message.split('\n');
    io.err(`${e.code}: ${first}${e.remoteClass ? ` (${e.remoteClass})` : ''}`);
    if (stack.length > 0) io.err(args.flags.verbose === true ? stack.join('\n') : `(the remote stack trace has ${stack.length} more lines: --verbose prints them)`);
    return 1;
  }
}

/** The parameter types the provider describes for `method` with `arity` parameters, else undefined (guessed from values). */
async function typesFromDescription(target: Target, method: string, arity: number, timeout: number, io: CommandIo): Promise<string[] | undefined> {
  const described = await describeTarget(target, timeout).catch(() => undefined);
  const candidates = described?.methods.filter((m) => m.name === method && m.parameterTypes !== undefined && m.parameterTypes.length === arity) ?? [];
  if (candidates.length === 1) {
    io.err(`meshlet invoke: no --types; using ${method}(${candidates[0]!.parameterTypes!.join(', ')}) from the provider's description`);
    return [...candidates[0]!.parameterTypes!];
  }
  io.err(`meshlet invoke: no --types; ${candidates.length > 1 ? `${method} has ${candidates.length} overloads of ${arity} parameters, so ` : ''}guessing the Java types from the JSON values`);
  return undefined;
}

/** `a,b` → [a, b], keeping commas inside generics (`java.util.Map<java.lang.String,java.lang.Long>`). */
export function splitTypes(text: string): string[] {
  if (text.trim() === '') return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '<') depth++;
    else if (text[i] === '>') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  if (out.some((t) => t === '')) throw new UsageError(`--types has an empty type name: ${JSON.stringify(text)}`);
  return out;
}

export function timeoutOf(text: string | undefined): number {
  if (text === undefined) return 3000;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--timeout takes milliseconds (a positive integer), got ${JSON.stringify(text)}`);
  return n;
}
