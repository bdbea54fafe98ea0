import type { TypeDesc } from '@meshlet/core';

/** What a class field holds when the wire left it out: null, or a Java primitive's zero. */
export function defaultOf(desc: TypeDesc): unknown {
  if (desc.nullable) return null;
  switch (desc.kind) {
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

/** A plain object with every declared field at its default, in declaration order. */
export function newObject(names: readonly string[], defaults: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) setField(o, names[i]!, defaults[i]);
  return o;
}

/** Field names come from descriptors, never from the wire; `__proto__` still stays an own field. */
export function setField(o: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(o, name, { value, writable: true, enumerable: true, configurable: true });
  else o[name] = value;
}
