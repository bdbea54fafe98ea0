import { setField } from '@meshlet/core';

/** A plain object with every declared field at its default, in declaration order. */
export function newObject(names: readonly string[], defaults: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) setField(o, names[i]!, defaults[i]);
  return o;
}

