import { Code, RpcError } from '../errors.js';
import { t, type TypeDesc } from '../types.js';

/**
 * Java type names (as a generic caller writes them: `long`, `java.lang.String`, `int[]`, `[J`,
 * `java.util.List`, `com.acme.User`) to the descriptors serializers encode with. A generic call has
 * no service definition, so these names are all there is: primitives, boxes, strings, dates,
 * decimals and arrays map exactly; collections carry `java.lang.Object` elements (the values' own
 * types decide, as in Java's erasure); any other class is a POJO whose fields come from the value.
 */

const NAMED: Readonly<Record<string, TypeDesc>> = {
  boolean: t.bool, byte: t.int8, short: t.int16, int: t.int32, long: t.int64,
  float: t.float32, double: t.float64, char: t.char,
  'java.lang.Boolean': t.nullable(t.bool), 'java.lang.Byte': t.nullable(t.int8), 'java.lang.Short': t.nullable(t.int16),
  'java.lang.Integer': t.nullable(t.int32), 'java.lang.Long': t.nullable(t.int64), 'java.lang.Float': t.nullable(t.float32),
  'java.lang.Double': t.nullable(t.float64), 'java.lang.Character': t.nullable(t.char),
  'java.lang.String': t.string, 'java.lang.Object': t.any, 'java.util.Date': t.date, 'java.math.BigDecimal': t.decimal,
};

const LISTS = new Set(['java.util.List', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.Collection']);
const SETS = new Set(['java.util.Set', 'java.util.HashSet', 'java.util.LinkedHashSet', 'java.util.TreeSet']);
const MAPS = new Set(['java.util.Map', 'java.util.HashMap', 'java.util.LinkedHashMap', 'java.util.TreeMap', 'java.util.concurrent.ConcurrentHashMap']);
const DESCRIPTOR_PRIMITIVES: Readonly<Record<string, string>> = {
  Z: 'boolean', B: 'byte', S: 'short', I: 'int', J: 'long', F: 'float', D: 'double', C: 'char',
};
const JAVA_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/**
 * The descriptor of Java type `name`; `sample` (the argument the caller passes) gives a POJO's
 * fields. Refuses what is not a Java type name with INVALID_ARGUMENT.
 */
export function typeOfJavaName(name: string, sample?: unknown): TypeDesc {
  const bare = name.trim().replace(/<.*>$/s, ''); // java.util.List<java.lang.String>: erased, as Java sends it
  if (bare.endsWith('[]')) return arrayOf(typeOfJavaName(bare.slice(0, -2), first(sample)));
  if (bare.startsWith('[')) return arrayOf(typeOfJavaName(elementName(bare), first(sample)));
  const known = NAMED[bare];
  if (known !== undefined) return known;
  if (!JAVA_NAME.test(bare)) throw new RpcError(Code.InvalidArgument, `not a Java type name: ${JSON.stringify(name)}`);
  if (LISTS.has(bare)) return t.list(t.any, bare);
  if (SETS.has(bare)) return t.set(t.any, bare);
  if (MAPS.has(bare)) return t.map(t.any, t.any, bare);
  return pojoType(bare, sample);
}

/** A POJO: its fields are the sample's own keys (less Dubbo's `class` key), each encoded by value. */
function pojoType(className: string, sample: unknown): TypeDesc {
  const fields: Record<string, TypeDesc> = {};
  if (sample !== null && typeof sample === 'object' && !Array.isArray(sample)) {
    for (const key of Object.keys(sample)) if (key !== 'class') fields[key] = t.any;
  }
  return t.object(className, fields);
}

function arrayOf(element: TypeDesc): TypeDesc {
  return element.kind === 'int8' && !element.nullable ? t.bytes : t.array(element);
}

/** `[J` → `long`, `[Ljava.lang.String;` → `java.lang.String`, `[[I` → `[I`. */
function elementName(name: string): string {
  const rest = name.slice(1);
  if (rest.startsWith('[')) return rest;
  if (rest.startsWith('L') && rest.endsWith(';')) return rest.slice(1, -1).replace(/\//g, '.');
  const primitive = DESCRIPTOR_PRIMITIVES[rest];
  if (primitive === undefined) throw new RpcError(Code.InvalidArgument, `not a Java array type name: ${JSON.stringify(name)}`);
  return primitive;
}

function first(sample: unknown): unknown {
  return Array.isArray(sample) ? sample[0] : undefined;
}

/**
 * The Java type a caller most likely means for a JSON value, when no types are given: integers that
 * fit an int are `int`, larger ones (and bigints) `long`, other numbers `double`, strings `String`,
 * booleans `boolean`, arrays `java.util.List`, objects with a `class` key that class, other objects
 * `java.util.Map`, null `java.lang.Object`. A guess: Java resolves overloads by exact types, so pass
 * them when the method has overloads or takes boxes, floats or POJOs without a `class` key.
 */
export function guessJavaType(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return 'long';
    case 'number':
      if (!Number.isInteger(value)) return 'double';
      return value >= -0x80000000 && value <= 0x7fffffff ? 'int' : 'long';
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value === null) return 'java.lang.Object';
      if (Array.isArray(value)) return 'java.util.List';
      if (typeof (value as { class?: unknown }).class === 'string') return (value as { class: string }).class;
      return 'java.util.Map';
    default:
      throw new RpcError(Code.InvalidArgument, `a generic argument cannot be a ${typeof value}`);
  }
}
