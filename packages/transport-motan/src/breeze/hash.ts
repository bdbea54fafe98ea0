/**
 * Java's `String.hashCode() & 0x7fffffff`: the field index breeze Java's CommonSerializer gives a
 * POJO field that has no schema, so a plain Java class and Meshlet agree on indexes by name alone.
 */
export function javaFieldIndex(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h & 0x7fffffff;
}
