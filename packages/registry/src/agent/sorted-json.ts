/**
 * JSON with object keys in ascending order at every level, as fastjson writes SOFARPC's mesh
 * requests by default: our bodies are byte-identical to a Java app's, not only equivalent.
 * `undefined` members are left out (fastjson omits nulls).
 */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}
