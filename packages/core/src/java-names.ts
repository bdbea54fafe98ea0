import { Code, RpcError } from './errors.js';

/**
 * Conversions between the two spellings Java uses for a type: `Class.getName()` (`int`,
 * `java.lang.String`, `[J`, `[Ljava.lang.String;`) and the JVM field descriptor (`I`,
 * `Ljava/lang/String;`, `[J`, `[Ljava/lang/String;`). Dubbo puts concatenated descriptors on the
 * wire; SOFARPC puts class names. Both are needed to match overloads exactly.
 */

const PRIMITIVE_TO_DESC: Record<string, string> = {
  boolean: 'Z', byte: 'B', short: 'S', int: 'I', long: 'J', float: 'F', double: 'D', char: 'C', void: 'V',
};
const DESC_TO_PRIMITIVE: Record<string, string> = Object.fromEntries(
  Object.entries(PRIMITIVE_TO_DESC).map(([k, v]) => [v, k]),
);

/** `java.lang.String` → `Ljava/lang/String;`, `int` → `I`, `[Ljava.lang.String;` → `[Ljava/lang/String;`. */
export function toJvmDescriptor(javaName: string): string {
  const primitive = PRIMITIVE_TO_DESC[javaName];
  if (primitive !== undefined) return primitive;
  if (javaName.startsWith('[')) return javaName.replace(/\./g, '/');
  return `L${javaName.replace(/\./g, '/')};`;
}

/** The inverse of toJvmDescriptor for one complete descriptor. */
export function fromJvmDescriptor(descriptor: string): string {
  const primitive = DESC_TO_PRIMITIVE[descriptor];
  if (primitive !== undefined) return primitive;
  if (descriptor.startsWith('[')) return descriptor.replace(/\//g, '.');
  if (descriptor.startsWith('L') && descriptor.endsWith(';')) return descriptor.slice(1, -1).replace(/\//g, '.');
  throw new RpcError(Code.BadRequest, `invalid JVM type descriptor: ${JSON.stringify(descriptor)}`);
}

/**
 * Splits a concatenation of JVM descriptors (`ILjava/lang/String;[J`) into its parts
 * (`I`, `Ljava/lang/String;`, `[J`). Splitting on `;` is wrong for primitives and arrays.
 */
export function splitJvmDescriptors(descriptors: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < descriptors.length) {
    const start = i;
    while (descriptors.charCodeAt(i) === 0x5b /* [ */) i++;
    const c = descriptors[i];
    if (c === 'L') {
      const end = descriptors.indexOf(';', i);
      if (end < 0 || end === i + 1) throw invalid(descriptors);
      i = end + 1;
    } else if (c !== undefined && c !== 'V' && c in DESC_TO_PRIMITIVE) {
      i++;
    } else {
      throw invalid(descriptors);
    }
    out.push(descriptors.slice(start, i));
  }
  return out;
}

function invalid(descriptors: string): RpcError {
  return new RpcError(Code.BadRequest, `invalid JVM parameter descriptors: ${JSON.stringify(descriptors)}`);
}
