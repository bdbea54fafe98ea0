import type { TypeDesc } from '@meshlet/core';

/**
 * Which type name a typed list or map carries on the wire, for a descriptor's Java type. Java's
 * own writers decide the same way: an `ArrayList` goes untyped (Java reads any untyped list as an
 * ArrayList), a `HashMap` goes as the untyped map `H`, other concrete classes go typed so the
 * reader instantiates that class, and arrays go as Caucho spells them (`[int`, `[string`, ...).
 */

/** Java types for which an untyped list is what Java writes and reads back as the right thing. */
const UNTYPED_LISTS = new Set(['java.util.List', 'java.util.ArrayList', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object']);
/** Interfaces Java cannot instantiate: a set of these goes as a HashSet, which is what Java reads them into. */
const SET_INTERFACES = new Set(['java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object']);
const UNTYPED_MAPS = new Set(['java.util.Map', 'java.util.HashMap', 'java.lang.Object']);

/** Type name for a list descriptor's Java type; null = untyped. */
export function listTypeName(javaType: string): string | null {
  return UNTYPED_LISTS.has(javaType) ? null : javaType;
}

/** Type name for a set descriptor's Java type (never untyped: Java would read an ArrayList). */
export function setTypeName(javaType: string): string {
  return SET_INTERFACES.has(javaType) ? 'java.util.HashSet' : javaType;
}

/** Type name for a map descriptor's Java type; null = untyped `H`. */
export function mapTypeName(javaType: string): string | null {
  return UNTYPED_MAPS.has(javaType) ? null : javaType;
}

const COMPONENT_NAMES: Readonly<Record<string, string>> = {
  boolean: 'boolean', byte: 'byte', short: 'short', int: 'int', long: 'long', float: 'float', double: 'double', char: 'char',
  'java.lang.String': 'string', 'java.lang.Object': 'object', 'java.util.Date': 'date',
};

/** Hessian type of an array descriptor: `[` + the component as Caucho names it (`[int`, `[string`, `[[long`, `[com.x.User`). */
export function hessianArrayType(desc: TypeDesc): string {
  const element = desc.element;
  return element === undefined ? '[object' : `[${componentName(element)}`;
}

function componentName(d: TypeDesc): string {
  const simple = COMPONENT_NAMES[d.javaType];
  if (simple !== undefined) return simple;
  if (d.kind === 'bytes') return '[byte';
  if (d.kind === 'array') return hessianArrayType(d);
  return d.javaType;
}
