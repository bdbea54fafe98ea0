import type { MethodDefinition } from '@meshlet/core';
import { Tag } from './simple/tags.js';
import type { ByteReader } from './wire/reader.js';

/**
 * Overloads without `M_md`. motan-go clients (and the agent's callers) send no `M_md`, so a Java
 * overload set such as `describe(int)`, `describe(long)`, `describe(String)` can only be told apart
 * by the `simple` tags of the arguments, which say int32, int64 or string exactly. This reads the
 * tags (and skips the values) and picks the overload whose parameters accept them by Java's own
 * receiver rules (SimpleSerialization: INT32 only into int/Integer, INT64 only into long/Long, …).
 */

const PRIMITIVES = new Set(['boolean', 'byte', 'short', 'int', 'long', 'float', 'double', 'char']);
const COLLECTIONS = /^(java\.util\.(List|Set|Collection|ArrayList|LinkedList|HashSet|LinkedHashSet)|\[.*)$/;

function accepts(javaType: string, tag: number): boolean {
  const object = javaType === 'java.lang.Object';
  switch (tag) {
    case Tag.NULL: return !PRIMITIVES.has(javaType);
    case Tag.STRING: return object || javaType === 'java.lang.String';
    case Tag.BOOL: return object || javaType === 'boolean' || javaType === 'java.lang.Boolean';
    case Tag.BYTE: return object || javaType === 'byte' || javaType === 'java.lang.Byte';
    case Tag.INT16: return object || javaType === 'short' || javaType === 'java.lang.Short';
    case Tag.INT32: return object || javaType === 'int' || javaType === 'java.lang.Integer';
    case Tag.INT64: return object || javaType === 'long' || javaType === 'java.lang.Long';
    case Tag.FLOAT32: return object || javaType === 'float' || javaType === 'java.lang.Float';
    case Tag.FLOAT64: return object || javaType === 'double' || javaType === 'java.lang.Double';
    case Tag.BYTES: return object || javaType === '[B';
    case Tag.STRING_ARRAY:
    case Tag.ARRAY: return object || COLLECTIONS.test(javaType);
    case Tag.STRING_MAP:
    case Tag.MAP: return !PRIMITIVES.has(javaType) && javaType !== 'java.lang.String' && !COLLECTIONS.test(javaType);
    default: return false;
  }
}

function skip(reader: ByteReader, n: number): void {
  reader.need(n, 'value');
  reader.pos += n;
}

/** The top-level tags of a simple request body; undefined when it is not well formed. */
export function simpleArgTags(reader: ByteReader): number[] | undefined {
  const tags: number[] = [];
  try {
    while (reader.remaining > 0) {
      const tag = reader.u8();
      tags.push(tag);
      switch (tag) {
        case Tag.NULL: break;
        case Tag.BOOL: case Tag.BYTE: skip(reader, 1); break;
        case Tag.INT16: skip(reader, 2); break;
        case Tag.FLOAT32: skip(reader, 4); break;
        case Tag.FLOAT64: skip(reader, 8); break;
        case Tag.INT32: case Tag.INT64: while ((reader.u8() & 0x80) !== 0); break;
        case Tag.STRING: case Tag.STRING_MAP: case Tag.BYTES: case Tag.STRING_ARRAY: case Tag.MAP: case Tag.ARRAY:
          skip(reader, reader.u32()); break;
        default: return undefined;
      }
    }
  } catch {
    return undefined;
  }
  return tags;
}

/** The one overload among `candidates` whose parameters take `tags`; undefined when none or several do. */
export function overloadForTags(candidates: readonly MethodDefinition[], tags: readonly number[]): MethodDefinition | undefined {
  const fits = candidates.filter((m) => m.paramTypes.length === tags.length && m.paramTypes.every((p, i) => accepts(p, tags[i]!)));
  return fits.length === 1 ? fits[0] : undefined;
}
