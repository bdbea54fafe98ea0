/**
 * Type descriptors: what a value is on the Java side. Java peers pick overloads and fields by exact
 * type names, so every method parameter and result carries one. JS `number` alone cannot say
 * whether it is an `int`, a `long` or a `double`; the descriptor does, and serializers precompile
 * their per-method codecs from it.
 *
 * A descriptor also carries its TypeScript type (the phantom `T`), so a service definition built
 * from descriptors gives typed clients and implementations with no separate interface.
 */

export type Kind =
  | 'void' | 'bool' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'char'
  | 'string' | 'bytes' | 'date' | 'decimal' | 'list' | 'set' | 'array' | 'map' | 'class' | 'enum' | 'any';

/**
 * `T` is what a caller may hand the encoder; `D` is what the decoder hands back (narrower where
 * encoding is lenient: a map encodes from a `Map` or a plain object but always decodes to a `Map`).
 * `@RpcMethod` checks a method's parameters against `D` and its result against `T`.
 */
export interface TypeDesc<T = unknown, D = T> {
  readonly kind: Kind;
  /** The Java type as `Class.getName()` spells it: `int`, `java.lang.Long`, `[J`, `[Ljava.lang.String;`. */
  readonly javaType: string;
  /** Whether null is a legal value. Java primitives are not nullable; their boxed forms are. */
  readonly nullable: boolean;
  /** Element type of list, set and array. */
  readonly element?: TypeDesc;
  /** Key and value types of map. */
  readonly key?: TypeDesc;
  readonly value?: TypeDesc;
  /** Fields of a class, in the order Java serializes them. */
  readonly fields?: Readonly<Record<string, TypeDesc>>;
  /** Constant names of an enum. */
  readonly constants?: readonly string[];
  /** Phantom: the TypeScript type of values of this descriptor. Never set at run time. */
  readonly __type?: T;
  /** Phantom: the TypeScript type the decoder produces for this descriptor. Never set at run time. */
  readonly __decoded?: D;
}

/** The TypeScript type a descriptor stands for. */
export type TypeOf<D> = D extends TypeDesc<infer T, any> ? T : never;
/** The TypeScript type the decoder produces for a descriptor (what a provider's method receives). */
export type DecodedOf<D> = D extends TypeDesc<any, infer U> ? U : never;

type Fields = Record<string, TypeDesc<any, any>>;
type ObjectOf<F extends Fields> = { [K in keyof F]: TypeOf<F[K]> };
type DecodedObjectOf<F extends Fields> = { [K in keyof F]: DecodedOf<F[K]> };

function desc<T, D = T>(kind: Kind, javaType: string, nullable: boolean, extra: Partial<TypeDesc> = {}): TypeDesc<T, D> {
  return Object.freeze({ kind, javaType, nullable, ...extra }) as TypeDesc<T, D>;
}

const BOXED: Record<string, string> = {
  boolean: 'java.lang.Boolean', byte: 'java.lang.Byte', short: 'java.lang.Short', int: 'java.lang.Integer',
  long: 'java.lang.Long', float: 'java.lang.Float', double: 'java.lang.Double', char: 'java.lang.Character',
};

/** The element class name inside a Java array name: `[Ljava.lang.String;` for String, `[J` for long. */
function arrayName(element: TypeDesc): string {
  switch (element.javaType) {
    case 'boolean': return '[Z';
    case 'byte': return '[B';
    case 'short': return '[S';
    case 'int': return '[I';
    case 'long': return '[J';
    case 'float': return '[F';
    case 'double': return '[D';
    case 'char': return '[C';
  }
  return element.javaType.startsWith('[') ? `[${element.javaType}` : `[L${element.javaType};`;
}

/**
 * The descriptor constructors. Primitive descriptors (`t.int32`, `t.int64`, `t.bool`, ...) are the
 * Java primitives; wrap them in `t.nullable` for the boxed type (`t.nullable(t.int32)` is
 * `java.lang.Integer`).
 */
export const t = {
  void: desc<void>('void', 'void', true),
  bool: desc<boolean>('bool', 'boolean', false),
  int8: desc<number>('int8', 'byte', false),
  int16: desc<number>('int16', 'short', false),
  int32: desc<number>('int32', 'int', false),
  /** Java `long`: always a bigint in JS, exact over the full 64 bits. */
  int64: desc<bigint>('int64', 'long', false),
  float32: desc<number>('float32', 'float', false),
  float64: desc<number>('float64', 'double', false),
  /** Java `char`: a one-UTF-16-unit string. */
  char: desc<string>('char', 'char', false),
  string: desc<string>('string', 'java.lang.String', true),
  /** Java `byte[]`. */
  bytes: desc<Uint8Array>('bytes', '[B', true),
  date: desc<Date>('date', 'java.util.Date', true),
  /** `java.math.BigDecimal`, carried as its exact decimal string. */
  decimal: desc<string>('decimal', 'java.math.BigDecimal', true),
  /** `java.lang.Object`: the value's own runtime type decides the encoding. */
  any: desc<unknown>('any', 'java.lang.Object', true),

  list<E extends TypeDesc<any, any>>(element: E, javaType = 'java.util.List'): TypeDesc<TypeOf<E>[], DecodedOf<E>[]> {
    return desc('list', javaType, true, { element });
  },
  set<E extends TypeDesc<any, any>>(element: E, javaType = 'java.util.Set'): TypeDesc<TypeOf<E>[], DecodedOf<E>[]> {
    return desc('set', javaType, true, { element });
  },
  /** A Java array (`long[]`, `String[]`); use `t.bytes` for `byte[]`. */
  array<E extends TypeDesc<any, any>>(element: E): TypeDesc<TypeOf<E>[], DecodedOf<E>[]> {
    return desc('array', arrayName(element), true, { element });
  },
  /** A Java Map. Decoded as a JS `Map`; plain objects are accepted when encoding string-keyed maps. */
  map<K extends TypeDesc<any, any>, V extends TypeDesc<any, any>>(
    key: K, value: V, javaType = 'java.util.Map',
  ): TypeDesc<Map<TypeOf<K>, TypeOf<V>> | (TypeOf<K> extends string ? Record<string, TypeOf<V>> : never), Map<DecodedOf<K>, DecodedOf<V>>> {
    return desc('map', javaType, true, { key, value });
  },
  /** A named Java class (a POJO) with typed fields, in the order the Java class declares them. */
  object<F extends Fields>(javaType: string, fields: F): TypeDesc<ObjectOf<F>, DecodedObjectOf<F>> {
    return desc('class', javaType, true, { fields: Object.freeze({ ...fields }) });
  },
  /** A Java enum, carried as its constant name. */
  enum<const C extends string>(javaType: string, constants: readonly C[]): TypeDesc<C> {
    return desc('enum', javaType, true, { constants: Object.freeze([...constants]) });
  },
  /** The nullable form: boxes a Java primitive (`int` → `java.lang.Integer`), admits null otherwise. */
  nullable<T, D>(inner: TypeDesc<T, D>): TypeDesc<T | null, D | null> {
    if (inner.nullable) return inner as TypeDesc<T | null, D | null>;
    return desc(inner.kind, BOXED[inner.javaType] ?? inner.javaType, true, { ...inner, nullable: true, javaType: BOXED[inner.javaType] ?? inner.javaType });
  },
} as const;

/** True for descriptors of Java primitives (`int`, `long`, ...), which can never be null. */
export function isPrimitive(d: TypeDesc): boolean {
  return d.javaType in BOXED;
}

/** What a field of this type holds when the wire leaves it out: null, or a Java primitive's zero. */
export function javaDefault(d: TypeDesc): unknown {
  if (d.nullable) return null;
  switch (d.kind) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'char':
      return '\u0000';
    default:
      return 0;
  }
}

/**
 * Sets a decoded field as an own data property: a `__proto__` key from the wire (or a descriptor)
 * stays a field and never changes the object's prototype.
 */
export function setField(obj: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
  else obj[name] = value;
}

/**
 * What a serializer compiled from `desc`, compiled once per descriptor object and kept in `cache`.
 * While `compile` runs, the cache holds `forward(compiled)`, a stand-in that calls the finished
 * codec (`compiled()`) later: a class with a field of its own type compiles instead of recursing
 * forever. Hessian and the Motan2 serializations use it for their encoders and decoders.
 */
export function compiledFor<C>(cache: WeakMap<TypeDesc, C>, desc: TypeDesc, compile: (desc: TypeDesc) => C, forward: (compiled: () => C) => C): C {
  const cached = cache.get(desc);
  if (cached !== undefined) return cached;
  let real: C | undefined;
  cache.set(desc, forward(() => real!));
  real = compile(desc);
  cache.set(desc, real);
  return real;
}
