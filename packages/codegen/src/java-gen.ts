import { Acc, type ClassInfo, type MethodInfo } from './classfile.js';
import { OBJECT, parseClassSig, parseFieldType, parseMethodSig, type JType } from './signature.js';

export interface JavaGenOptions {
  /**
   * Which interfaces become services: `com.acme.api.*` (that package), `com.acme.**` (and its
   * subpackages) or a class name. Default: every interface in the input. DTOs, enums and
   * exceptions are pulled in transitively from wherever they are.
   */
  readonly include?: readonly string[];
  /** Dubbo/SOFA/Motan version every generated service carries (a jar does not say). */
  readonly version?: string;
  readonly group?: string;
  /** Where the generated file imports core from. Default `@meshlet/core`. */
  readonly coreModule?: string;
}

export interface GenResult {
  /** The TypeScript module text. */
  readonly code: string;
  /** Java interface names that became services. */
  readonly services: readonly string[];
  /** What could not be typed exactly (became `t.any`), one line each. */
  readonly warnings: readonly string[];
  /** How many declarations (services, types, exceptions) the module has. */
  readonly declarations: number;
}

const BOXED: Record<string, string> = {
  'java.lang.Boolean': 't.nullable(t.bool)', 'java.lang.Byte': 't.nullable(t.int8)', 'java.lang.Short': 't.nullable(t.int16)',
  'java.lang.Integer': 't.nullable(t.int32)', 'java.lang.Long': 't.nullable(t.int64)', 'java.lang.Float': 't.nullable(t.float32)',
  'java.lang.Double': 't.nullable(t.float64)', 'java.lang.Character': 't.nullable(t.char)',
  'java.lang.String': 't.string', 'java.util.Date': 't.date', 'java.math.BigDecimal': 't.decimal',
  'java.lang.Object': 't.any',
};
const PRIM: Record<string, string> = {
  void: 't.void', boolean: 't.bool', byte: 't.int8', short: 't.int16', int: 't.int32', long: 't.int64',
  float: 't.float32', double: 't.float64', char: 't.char',
};
const LISTS = new Set(['java.util.List', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.Collection']);
const SETS = new Set(['java.util.Set', 'java.util.HashSet', 'java.util.LinkedHashSet', 'java.util.TreeSet', 'java.util.SortedSet']);
const MAPS = new Set(['java.util.Map', 'java.util.HashMap', 'java.util.LinkedHashMap', 'java.util.TreeMap', 'java.util.SortedMap', 'java.util.concurrent.ConcurrentHashMap']);
/** Async results of Dubbo methods: the wire carries the value, so the definition declares the value. */
const FUTURES = new Set(['java.util.concurrent.CompletableFuture', 'java.util.concurrent.CompletionStage', 'java.util.concurrent.Future']);
const THROWABLE_ROOTS = new Set(['java.lang.Throwable', 'java.lang.Exception', 'java.lang.RuntimeException', 'java.lang.Error']);
const IMPORTS = ['t', 'defineService', 'RpcError', 'TypeOf', 'TypeDesc', 'ClientOfSpec', 'ImplOfSpec', 'javaException', 'javaAny'];
const RESERVED = new Set([...IMPORTS, 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'let', 'static', 'yield', 'await', 'any', 'unknown']);

type Scope = ReadonlyMap<string, string>;

function matches(name: string, patterns: readonly string[]): boolean {
  const pkg = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
  return patterns.some((p) => {
    if (p.endsWith('.**')) return name.startsWith(p.slice(0, -2));
    if (p.endsWith('.*')) return pkg === p.slice(0, -2);
    return name === p || name.startsWith(p + '$');
  });
}

const simpleName = (javaName: string) => javaName.slice(javaName.lastIndexOf('.') + 1).replace(/\$/g, '_');
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const isIdent = (s: string) => /^[A-Za-z_$][\w$]*$/.test(s);
const key = (s: string) => (isIdent(s) ? s : JSON.stringify(s));
const doc = (s: string) => s.replace(/\*\//g, '*\\/');

/**
 * Generates one TypeScript module from parsed classes: a `defineService` per included interface
 * (overloads kept as `name` + parameter types keys), a descriptor and type per DTO and enum, a
 * recogniser per exception.
 */
export function generateJava(classes: ReadonlyMap<string, ClassInfo>, options: JavaGenOptions = {}): GenResult {
  const warnings: string[] = [];
  const decls: string[] = [];
  const used = new Set<string>(RESERVED);
  const done = new Map<string, string>(); // class key → const name
  let usesJavaAny = false;
  /**
   * A type with no exact descriptor: any value, but the Java name is kept, because Dubbo and SOFARPC
   * find the method by its parameter type names (a `Serializable` parameter is not an `Object` one).
   */
  const javaAny = (name: string): string => {
    if (name === 'java.lang.Object') return 't.any';
    usesJavaAny = true;
    return `javaAny(${JSON.stringify(name)})`;
  };
  const inProgress = new Set<string>();
  const exceptionNames = new Map<string, string>();

  const warn = (w: string) => {
    if (!warnings.includes(w)) warnings.push(w);
  };
  const identFor = (javaName: string, suffix = ''): string => {
    let base = simpleName(javaName) + suffix;
    if (used.has(base)) base = javaName.replace(/[.$]/g, '_') + suffix;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}${i}`;
    used.add(name);
    return name;
  };

  const superChain = (name: string): string[] => {
    const chain: string[] = [];
    let c = classes.get(name);
    for (let guard = 0; c?.superName && guard < 64; guard++) {
      chain.push(c.superName);
      c = classes.get(c.superName);
    }
    return chain;
  };
  // A chain that leaves the input (`extends org.springframework.core.NestedRuntimeException`) is
  // judged by the name Java convention gives throwables.
  const isException = (name: string) => {
    const chain = [name, ...superChain(name)];
    const last = chain[chain.length - 1]!;
    return chain.some((s) => THROWABLE_ROOTS.has(s)) || (!classes.has(last) && /(Exception|Error|Throwable)$/.test(last));
  };
  const isEnum = (c: ClassInfo) => (c.access & Acc.Enum) !== 0 && c.superName === 'java.lang.Enum';

  const exception = (name: string): string => {
    const known = exceptionNames.get(name);
    if (known) return known;
    const id = identFor(name);
    exceptionNames.set(name, id);
    const subs = [...classes.keys()].filter((n) => n !== name && superChain(n).includes(name)).sort();
    decls.push(
      `/** \`${doc(name)}\`${subs.length ? ' and its subclasses' : ''}: \`${id}.is(err)\` is true for an RpcError the provider raised as one. */\n` +
      `export const ${id} = javaException(${JSON.stringify(name)}${subs.length ? `, ${JSON.stringify(subs)}` : ''});`,
    );
    return id;
  };

  /** The descriptor expression of a Java type, in a scope binding type variables to descriptor expressions. */
  const desc = (jt: JType, scope: Scope, where: string): string => {
    switch (jt.k) {
      case 'prim':
        return PRIM[jt.name]!;
      case 'var':
        return scope.get(jt.name) ?? 't.any';
      case 'wild':
        return jt.bound ? desc(jt.bound, scope, where) : 't.any';
      case 'array':
        if (jt.element.k === 'prim' && jt.element.name === 'byte') return 't.bytes';
        return `t.array(${desc(jt.element, scope, where)})`;
      case 'class':
        return classDesc(jt.name, jt.args.map((a) => desc(a, scope, where)), where);
    }
  };

  const classDesc = (name: string, args: string[], where: string): string => {
    const arg = (i: number) => args[i] ?? 't.any';
    if (BOXED[name]) return BOXED[name]!;
    if (LISTS.has(name)) return name === 'java.util.List' ? `t.list(${arg(0)})` : `t.list(${arg(0)}, ${JSON.stringify(name)})`;
    if (SETS.has(name)) return name === 'java.util.Set' ? `t.set(${arg(0)})` : `t.set(${arg(0)}, ${JSON.stringify(name)})`;
    if (MAPS.has(name)) return name === 'java.util.Map' ? `t.map(${arg(0)}, ${arg(1)})` : `t.map(${arg(0)}, ${arg(1)}, ${JSON.stringify(name)})`;
    const c = classes.get(name);
    if (!c) {
      if (!name.startsWith('java.')) warn(`${where}: ${name} is not in the input; typed as unknown (add its jar to type it)`);
      else if (name !== 'java.io.Serializable') warn(`${where}: ${name} has no Meshlet descriptor; typed as unknown`);
      return javaAny(name);
    }
    if (isException(name)) {
      exception(name);
      return javaAny(name);
    }
    if (isEnum(c)) return enumDecl(c);
    if (c.access & Acc.Interface) {
      warn(`${where}: ${name} is an interface, its implementations' fields are unknown; typed as unknown`);
      return javaAny(name);
    }
    return dtoDecl(c, args, where);
  };

  const enumDecl = (c: ClassInfo): string => {
    const k = c.name;
    const known = done.get(k);
    if (known) return known;
    const id = identFor(c.name);
    done.set(k, id);
    const constants = c.fields.filter((f) => f.access & Acc.Enum).map((f) => f.name);
    decls.push(
      `/** Java enum \`${doc(c.name)}\`. */\n` +
      `export const ${id} = t.enum(${JSON.stringify(c.name)}, ${JSON.stringify(constants)});\n` +
      `export type ${id} = TypeOf<typeof ${id}>;`,
    );
    return id;
  };

  const dtoDecl = (c: ClassInfo, args: string[], where: string): string => {
    const sig = c.signature ? parseClassSig(c.signature) : undefined;
    const params = sig?.typeParams ?? [];
    const bound = args.slice(0, params.length);
    const k = `${c.name}<${bound.join(',')}>`;
    const known = done.get(k);
    if (known) return known;
    if (inProgress.has(k)) {
      // A descriptor is a value built from its fields' descriptors, so a cycle cannot be closed.
      warn(`${where}: ${c.name} refers to itself; the recursive field is typed as unknown`);
      return javaAny(c.name);
    }
    inProgress.add(k);
    // Type variables of a generic DTO: bound to the use site's arguments, else erased to their bound.
    const scope = new Map<string, string>();
    params.forEach((p, i) => scope.set(p.name, bound[i] ?? desc(p.bound, scope, c.name)));
    const fields: [string, string][] = [];
    const seen = new Set<string>();
    // Hessian walks a class then its superclasses: the subclass's fields come first.
    let cls: ClassInfo | undefined = c;
    let clsScope: Scope = scope;
    for (let guard = 0; cls && guard < 64; guard++) {
      for (const f of cls.fields) {
        if (f.access & (Acc.Static | Acc.Transient) || seen.has(f.name)) continue;
        seen.add(f.name);
        fields.push([f.name, desc(parseFieldType(f.signature ?? f.descriptor), clsScope, `${cls.name}.${f.name}`)]);
      }
      const clsSig: ReturnType<typeof parseClassSig> | undefined = cls.signature ? parseClassSig(cls.signature) : undefined;
      const superName: string | undefined = cls.superName;
      if (!superName || superName.startsWith('java.')) break;
      const next = classes.get(superName);
      if (!next) {
        warn(`${c.name}: superclass ${superName} is not in the input; its fields are left out`);
        break;
      }
      const superArgs = clsSig?.superclass.k === 'class' ? clsSig.superclass.args.map((a) => desc(a, clsScope, c.name)) : [];
      const nextParams = next.signature ? parseClassSig(next.signature).typeParams : [];
      const nextScope = new Map<string, string>();
      nextParams.forEach((p, i) => nextScope.set(p.name, superArgs[i] ?? desc(p.bound, nextScope, next.name)));
      cls = next;
      clsScope = nextScope;
    }
    inProgress.delete(k);
    // A generic DTO gets one descriptor per use (Page<Order> → PageOfOrder): same Java class, exact field types.
    const suffix = bound.map((b) => capitalize(b.replace(/^t\./, '').replace(/[^\w$]+/g, '_').replace(/_+$/, ''))).join('');
    const id = identFor(c.name, suffix ? `Of${suffix}` : '');
    done.set(k, id);
    const body = fields.map(([n, d]) => `  ${key(n)}: ${d},`).join('\n');
    decls.push(
      `/** Java class \`${doc(c.name)}\`${bound.length ? ` with type arguments ${doc(bound.join(', '))}` : ''}; fields in declaration order. */\n` +
      `export const ${id} = t.object(${JSON.stringify(c.name)}, {\n${body}\n});\n` +
      `export type ${id} = TypeOf<typeof ${id}>;`,
    );
    return id;
  };

  const javaSimple = (jt: JType): string => {
    switch (jt.k) {
      case 'prim': return capitalize(jt.name);
      case 'array': return javaSimple(jt.element) + 'Array';
      case 'class': return simpleName(jt.name).replace(/^.*_/, '');
      case 'var': return jt.name;
      case 'wild': return 'Any';
    }
  };

  /** The Java spelling of a type, for doc comments: `Map<String, List<Long>>`, `long[]`. */
  const javaText = (jt: JType): string => {
    switch (jt.k) {
      case 'prim': return jt.name;
      case 'array': return javaText(jt.element) + '[]';
      case 'class': return jt.name.slice(jt.name.lastIndexOf('.') + 1).replace(/\$/g, '.') + (jt.args.length ? `<${jt.args.map(javaText).join(', ')}>` : '');
      case 'var': return jt.name;
      case 'wild': return jt.bound ? `? extends ${javaText(jt.bound)}` : '?';
    }
  };

  /** The erasure scope of a class: each type variable as its bound's descriptor. */
  const erasureOf = (c: ClassInfo, where: string): Map<string, string> => {
    const scope = new Map<string, string>();
    for (const p of c.signature ? parseClassSig(c.signature).typeParams : []) scope.set(p.name, desc(p.bound, scope, where));
    return scope;
  };

  /**
   * An interface's methods and its super-interfaces', each with the type arguments its declaring
   * interface was extended with (`ItemCrud extends Crud<Item, Long>` binds Crud's T to Item).
   */
  type Inherited = { m: MethodInfo; owner: ClassInfo; bound: ReadonlyMap<string, string> };
  const serviceMethods = (iface: ClassInfo): Inherited[] => {
    const out: Inherited[] = [];
    const seen = new Set<string>();
    const visit = (c: ClassInfo, bound: ReadonlyMap<string, string>, depth: number) => {
      if (depth > 32) return;
      for (const m of c.methods) {
        if (m.access & (Acc.Static | Acc.Synthetic | Acc.Bridge | Acc.Private) || m.name.startsWith('<')) continue;
        if (seen.has(m.name + m.descriptor)) continue;
        seen.add(m.name + m.descriptor);
        out.push({ m, owner: c, bound });
      }
      const scope = new Map([...erasureOf(c, c.name), ...bound]);
      const supers = c.signature ? parseClassSig(c.signature).interfaces : [];
      for (const s of c.interfaces) {
        const sc = classes.get(s);
        if (!sc) {
          if (!s.startsWith('java.')) warn(`${iface.name}: super-interface ${s} is not in the input; its methods are left out`);
          continue;
        }
        const sig = supers.find((x) => x.k === 'class' && x.name === s);
        const args = sig?.k === 'class' ? sig.args.map((a) => desc(a, scope, c.name)) : [];
        const params = sc.signature ? parseClassSig(sc.signature).typeParams : [];
        visit(sc, new Map(params.flatMap((p, i) => (args[i] ? [[p.name, args[i]!] as const] : []))), depth + 1);
      }
    };
    visit(iface, new Map(), 0);
    return out;
  };

  /** A parameter whose erased Java type is a type variable's bound (`T`, `T[]`), not its binding. */
  const erasesToVar = (jt: JType): boolean => (jt.k === 'array' ? erasesToVar(jt.element) : jt.k === 'var');

  const ifaces = [...classes.values()]
    .filter((c) => (c.access & Acc.Interface) && !(c.access & Acc.Annotation) && (c.access & Acc.Public))
    .filter((c) => (options.include?.length ? matches(c.name, options.include) : true))
    .sort((a, b) => a.name.localeCompare(b.name));

  const services: string[] = [];
  const serviceDecls: string[] = [];
  for (const iface of ifaces) {
    const methods = serviceMethods(iface);
    if (methods.length === 0) continue;
    const sigs = methods.map(({ m, owner, bound }) => ({ m, owner, bound, sig: parseMethodSig(m.signature ?? m.descriptor) }));
    const counts = new Map<string, number>();
    for (const { m } of sigs) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
    const keys = new Set<string>();
    const lines: string[] = [];
    for (const { m, owner, bound, sig } of sigs) {
      const where = `${iface.name}.${m.name}`;
      // A parameter that is a type variable keeps its erasure (the JVM descriptor Dubbo and SOFARPC
      // match methods on); everywhere else the variable takes the type argument it was bound to.
      const erased = erasureOf(owner, where);
      for (const p of sig.typeParams) erased.set(p.name, desc(p.bound, erased, where));
      const scope = new Map([...erased, ...bound]);
      for (const p of sig.typeParams) scope.set(p.name, erased.get(p.name)!);
      const params = sig.params.map((p) => desc(p, erasesToVar(p) ? erased : scope, where));
      let ret = sig.returns;
      if (ret.k === 'class' && FUTURES.has(ret.name)) ret = ret.args[0] ?? OBJECT;
      const returns = desc(ret, scope, where);
      // Overloads share the Java name; the JS key adds the parameter types (describe(int) → describeInt).
      let k = counts.get(m.name)! > 1 ? m.name + sig.params.map(javaSimple).join('') : m.name;
      for (let i = 2; keys.has(k); i++) k = `${m.name}${i}`;
      keys.add(k);
      const thrown = [...new Set([...m.exceptions, ...sig.throws.flatMap((x) => (x.k === 'class' ? [x.name] : []))])]
        .filter((x) => classes.has(x) && isException(x))
        .map(exception);
      const javaDecl = `${javaText(sig.returns)} ${m.name}(${sig.params.map(javaText).join(', ')})`;
      lines.push(
        `    /** Java \`${doc(javaDecl)}\`${thrown.length ? `; throws ${thrown.join(', ')}` : ''}. */\n` +
        `    ${key(k)}: { ${k !== m.name ? `name: ${JSON.stringify(m.name)}, ` : ''}params: [${params.join(', ')}], returns: ${returns} },`,
      );
    }
    const id = identFor(iface.name);
    services.push(iface.name);
    const opts = [`  interface: ${JSON.stringify(iface.name)},`];
    if (options.version) opts.push(`  version: ${JSON.stringify(options.version)},`);
    if (options.group) opts.push(`  group: ${JSON.stringify(options.group)},`);
    serviceDecls.push(
      `/** Java interface \`${doc(iface.name)}\`: pass to \`provide()\` / \`refer()\`. */\n` +
      `export const ${id} = defineService({\n${opts.join('\n')}\n  methods: {\n${lines.join('\n')}\n  },\n});\n` +
      `/** What \`refer(${id})\` returns. */\n` +
      `export type ${id}Client = ClientOfSpec<NonNullable<(typeof ${id})['__methods']>>;\n` +
      `/** What \`provide(${id}, impl)\` takes. */\n` +
      `export type ${id}Impl = ImplOfSpec<NonNullable<(typeof ${id})['__methods']>>;`,
    );
  }
  // Exceptions of the included packages are recognisable even when no method declares them.
  for (const c of classes.values()) {
    if (options.include?.length && !matches(c.name, options.include)) continue;
    if (!(c.access & Acc.Interface) && (c.access & Acc.Public) && isException(c.name)) exception(c.name);
  }

  const header: string[] = [];
  if (usesJavaAny) header.push(
    '',
    '/** A Java type with no exact descriptor: any value, the Java name kept for overload matching. */',
    'function javaAny(javaType: string): TypeDesc<unknown> {',
    '  return Object.freeze({ ...t.any, javaType });',
    '}',
  );
  if (exceptionNames.size) header.push(
    '',
    '/** A Java exception by class name (and its subclasses\' names), as providers report it in `RpcError.remoteClass`. */',
    'function javaException<N extends string>(javaClass: N, subclasses: readonly string[] = []) {',
    '  const names = new Set<string>([javaClass, ...subclasses]);',
    '  return Object.freeze({',
    '    javaClass,',
    '    is: (err: unknown): err is RpcError => err instanceof RpcError && err.remoteClass !== undefined && names.has(err.remoteClass),',
    '  });',
    '}',
  );
  if (warnings.length) header.push('', ...warnings.map((w) => `// warning: ${w}`));
  const body = [...(header.length ? [header.join('\n').replace(/^\n/, '')] : []), ...decls, ...serviceDecls].join('\n\n') + '\n';
  const code = '// Generated by `meshlet gen` from Java class files. Do not edit: regenerate instead.\n' +
    importLine(body, options.coreModule ?? '@meshlet/core') + '\n' + body;
  return { code, services, warnings, declarations: decls.length + serviceDecls.length };
}

/** Imports exactly what the module uses, so it compiles under `noUnusedLocals` too. */
function importLine(body: string, core: string): string {
  const values = ['defineService', 'RpcError', 't'].filter((n) => new RegExp(`\\b${n}[.(]|instanceof ${n}\\b`).test(body));
  const types = ['ClientOfSpec', 'ImplOfSpec', 'TypeDesc', 'TypeOf'].filter((n) => new RegExp(`\\b${n}<`).test(body));
  return `import { ${[...values, ...types.map((n) => `type ${n}`)].join(', ')} } from ${JSON.stringify(core)};\n`;
}
