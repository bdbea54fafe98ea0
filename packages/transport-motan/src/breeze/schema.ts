import type { TypeDesc } from '@meshlet/core';
import { javaFieldIndex } from './hash.js';

/**
 * Field indexes of classes whose peers use a breeze schema (`.breeze` files, breeze-generator):
 * class name → field name → index. Classes not listed use breeze Java's CommonSerializer
 * indexes (the hash of the field name), which is what a plain Java class gets.
 */
export type BreezeFieldIndexes = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface ClassLayout {
  /** The message name: the Java class name without `$`, as breeze Java's getCleanName spells it. */
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly desc: TypeDesc; readonly index: number }[];
  /** Wire index → position in `fields`; both the schema index and the hash index are accepted. */
  readonly byIndex: ReadonlyMap<number, number>;
}

export function classLayout(desc: TypeDesc, indexes: BreezeFieldIndexes | undefined): ClassLayout {
  const schema = indexes?.[desc.javaType];
  const fields = Object.entries(desc.fields ?? {}).map(([name, d]) => ({ name, desc: d, index: schema?.[name] ?? javaFieldIndex(name) }));
  const byIndex = new Map<number, number>();
  fields.forEach((f, i) => {
    byIndex.set(f.index, i);
    const hashed = javaFieldIndex(f.name);
    if (!byIndex.has(hashed)) byIndex.set(hashed, i);
  });
  return { name: messageName(desc.javaType), fields, byIndex };
}

export function messageName(javaType: string): string {
  return javaType.replace(/\$/g, '');
}
