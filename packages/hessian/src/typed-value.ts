import type { TypeDesc } from '@meshlet/core';

/**
 * A value paired with its descriptor, for places whose Java type is `Object` (map values,
 * `Object` fields, generic arguments) where the JS runtime type alone would pick the wrong Java
 * type: `typed(t.float64, 1)` is `java.lang.Double` 1.0 rather than `Integer` 1,
 * `typed(t.array(t.int32), [1, 2])` is `int[]` rather than an `ArrayList`, `typed(t.set(t.string), ['a'])`
 * a `HashSet`.
 */
export class TypedValue<T = unknown> {
  constructor(readonly desc: TypeDesc<T>, readonly value: T) {}
}

export function typed<T>(desc: TypeDesc<T>, value: T): TypedValue<T> {
  return new TypedValue(desc, value);
}
