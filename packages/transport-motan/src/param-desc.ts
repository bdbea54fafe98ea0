/**
 * `M_md` spells parameter classes as Java motan's ReflectUtil does: `Class.getName()`, except that
 * arrays are the component name with `[]` per dimension (`byte[]`, `java.lang.String[][]`), not
 * the JVM's `[B` / `[[Ljava.lang.String;` that descriptors carry. A Java provider matches `M_md`
 * exactly, so `[B` finds no `reverseBytes(byte[])` ("Service method not exist").
 */
const PRIMITIVE: Record<string, string> = {
  Z: 'boolean', B: 'byte', S: 'short', I: 'int', J: 'long', F: 'float', D: 'double', C: 'char',
};
const CODE: Record<string, string> = Object.fromEntries(Object.entries(PRIMITIVE).map(([k, v]) => [v, k]));

/** A descriptor's Java class name as motan's `M_md` spells it. */
export function motanParamName(javaType: string): string {
  if (!javaType.startsWith('[')) return javaType;
  let dims = 0;
  while (javaType[dims] === '[') dims++;
  const rest = javaType.slice(dims);
  const component = rest.startsWith('L') && rest.endsWith(';') ? rest.slice(1, -1) : PRIMITIVE[rest];
  if (component === undefined) return javaType; // not a JVM array name: leave it as it came
  return component + '[]'.repeat(dims);
}

/** An `M_md` entry back to the JVM class name descriptors use (`byte[]` → `[B`). */
export function jvmParamName(motanName: string): string {
  if (!motanName.endsWith('[]')) return motanName;
  let base = motanName;
  let dims = 0;
  while (base.endsWith('[]')) {
    base = base.slice(0, -2);
    dims++;
  }
  const code = CODE[base];
  return '['.repeat(dims) + (code ?? `L${base};`);
}
