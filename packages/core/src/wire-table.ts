/**
 * One direction of a protocol's status table, written as rows "value: the keys that map to it"
 * (a wire status and the error codes a provider answers with it, or an error code and the wire
 * statuses that mean it), read as one lookup with a fallback for every key not listed. The
 * tables themselves differ per protocol and stay in the protocol's package (`status.ts`).
 */
export function wireTable<K extends string | number, V>(rows: readonly (readonly [V, ...K[]])[], fallback: V): (key: K) => V {
  const map = new Map<K, V>();
  for (const [value, ...keys] of rows) {
    for (const key of keys) map.set(key, value);
  }
  return (key) => map.get(key) ?? fallback;
}
