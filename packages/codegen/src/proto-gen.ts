import protobuf from 'protobufjs';
import { Code, RpcError } from '@meshlet/core';
import type { GenResult } from './java-gen.js';

export interface ProtoGenOptions {
  /** Which transport's `protobufMessage` the definitions use: its decoding defaults set the TS types. */
  readonly transport?: 'bolt' | 'rsocket';
  /** Only services whose full name matches (`pkg.*`, `pkg.**` or a full name). Default: all. */
  readonly include?: readonly string[];
  readonly version?: string;
  readonly group?: string;
}

const NUMBER = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

const full = (o: protobuf.ReflectionObject) => o.fullName.replace(/^\./, '');
/** `pkg.Outer.Inner` → `Outer_Inner`: the package dropped, nesting kept. */
const shortName = (o: protobuf.ReflectionObject) => full(o).split('.').filter((p, i, a) => i === a.length - 1 || /^[A-Z]/.test(p)).join('_');
const RESERVED = new Set(['protobuf', 'root', 'defineService', 'protobufMessage', 'ClientOfSpec', 'ImplOfSpec']);

function matches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('.**') ? name.startsWith(p.slice(0, -2)) : p.endsWith('.*') ? name.slice(0, name.lastIndexOf('.')) === p.slice(0, -2) : name === p));
}

function walk(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[]): void {
  for (const o of ns.nestedArray) {
    out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o as protobuf.NamespaceBase, out);
  }
}

/**
 * Generates a TypeScript module from `.proto` files: the schema embedded as protobufjs JSON (no
 * .proto needed at run time), an interface and a descriptor per message, a string union per enum,
 * a `defineService` per service with one method per rpc (server-streaming rpcs as stream methods,
 * for RSocket).
 */
export function generateProto(files: readonly string[], options: ProtoGenOptions = {}): GenResult {
  const transport = options.transport ?? 'bolt';
  let root: protobuf.Root;
  try {
    root = new protobuf.Root().loadSync([...files], { keepCase: true });
    root.resolveAll();
  } catch (err) {
    throw new RpcError(Code.InvalidArgument, `cannot load ${files.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  const all: protobuf.ReflectionObject[] = [];
  walk(root, all);
  const warnings: string[] = [];
  const decls: string[] = [];
  // The same message name in two packages: both get their full names (`a_v1_User`, `b_v1_User`).
  const names = new Map<protobuf.ReflectionObject, string>();
  const short = new Map<string, number>();
  const named = all.filter((o) => o instanceof protobuf.Type || o instanceof protobuf.Enum || o instanceof protobuf.Service);
  for (const o of named) short.set(shortName(o), (short.get(shortName(o)) ?? 0) + 1);
  for (const o of named) {
    const n = shortName(o);
    names.set(o, short.get(n)! > 1 || RESERVED.has(n) ? full(o).replace(/\./g, '_') : n);
  }
  const tsName = (o: protobuf.ReflectionObject) => names.get(o)!;
  const longType = transport === 'bolt' ? 'string' : 'bigint';

  const fieldType = (f: protobuf.Field): string => {
    let base: string;
    const rt = f.resolvedType;
    if (rt instanceof protobuf.Type || rt instanceof protobuf.Enum) base = tsName(rt);
    else if (NUMBER.has(f.type)) base = 'number';
    else if (LONG.has(f.type)) base = longType;
    else if (f.type === 'bool') base = 'boolean';
    else if (f.type === 'string') base = 'string';
    else if (f.type === 'bytes') base = 'Uint8Array';
    else {
      warnings.push(`${full(f)}: unknown type ${f.type}, typed as unknown`);
      base = 'unknown';
    }
    if (f instanceof protobuf.MapField) return `Record<string, ${base}>`;
    return f.repeated ? `${base}[]` : base;
  };

  for (const o of all) {
    if (o instanceof protobuf.Enum) {
      const names = Object.keys(o.values);
      decls.push(`/** enum \`${full(o)}\`, by constant name. */\nexport type ${tsName(o)} = ${names.map((n) => JSON.stringify(n)).join(' | ') || 'never'};`);
    } else if (o instanceof protobuf.Type) {
      const fields = o.fieldsArray.map((f) => `  ${/^[A-Za-z_$][\w$]*$/.test(f.name) ? f.name : JSON.stringify(f.name)}?: ${fieldType(f)};`);
      decls.push(
        `/** message \`${full(o)}\`. */\nexport interface ${tsName(o)} {\n${fields.join('\n')}\n}\n` +
        `export const ${tsName(o)} = protobufMessage<${tsName(o)}>(root.lookupType(${JSON.stringify(full(o))}));`,
      );
    }
  }

  const services: string[] = [];
  for (const o of all) {
    if (!(o instanceof protobuf.Service)) continue;
    const name = full(o);
    if (options.include?.length && !matches(name, options.include)) continue;
    const methods: string[] = [];
    for (const m of o.methodsArray) {
      const req = m.resolvedRequestType;
      const res = m.resolvedResponseType;
      if (!req || !res) throw new RpcError(Code.InvalidArgument, `${name}.${m.name}: unresolved message types`);
      if (m.requestStream || (m.responseStream && transport === 'bolt')) {
        warnings.push(`${name}.${m.name}: ${m.requestStream ? 'client-streaming' : 'server-streaming'} rpcs have no ${transport} mapping; left out`);
        continue;
      }
      methods.push(`    ${JSON.stringify(m.name)}: { params: [${tsName(req)}], returns: ${tsName(res)}${m.responseStream ? ', stream: true' : ''} },`);
    }
    const id = tsName(o);
    services.push(name);
    const opts = [`  interface: ${JSON.stringify(name)},`];
    if (options.version) opts.push(`  version: ${JSON.stringify(options.version)},`);
    if (options.group) opts.push(`  group: ${JSON.stringify(options.group)},`);
    decls.push(
      `/** service \`${name}\`. */\nexport const ${id} = defineService({\n${opts.join('\n')}\n  methods: {\n${methods.join('\n')}\n  },\n});\n` +
      `export type ${id}Client = ClientOfSpec<NonNullable<(typeof ${id})['__methods']>>;\n` +
      `export type ${id}Impl = ImplOfSpec<NonNullable<(typeof ${id})['__methods']>>;`,
    );
  }

  const header = [
    `// Generated by \`meshlet gen\` from .proto files for the ${transport} transport. Do not edit: regenerate instead.`,
    "import protobuf from 'protobufjs';",
    "import { defineService, type ClientOfSpec, type ImplOfSpec } from '@meshlet/core';",
    `import { protobufMessage } from '@meshlet/transport-${transport}';`,
    '',
    // A JSON string, not an object literal: protobufjs' INamespace typings lack fields it writes (keyType).
    '// The schema, so the .proto files are not needed at run time.',
    `const root = protobuf.Root.fromJSON(JSON.parse(${JSON.stringify(JSON.stringify(root.toJSON()))}));`,
    ...(warnings.length ? ['', ...warnings.map((w) => `// warning: ${w}`)] : []),
  ];
  return { code: [header.join('\n'), ...decls].join('\n\n') + '\n', services, warnings, declarations: decls.length };
}
