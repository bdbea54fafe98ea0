/**
 * Dubbo's `UrlUtils.isMatchGlobPattern`: `*` matches anything; otherwise only the LAST `*` is a
 * wildcard (`a*b*c` is prefix `a*b`, suffix `c`, the first `*` literal), as Java does; two empty
 * strings match, one empty one does not.
 */
export function matchGlob(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === '*') return true;
  const noPattern = pattern === undefined || pattern === '';
  const noValue = value === undefined || value === '';
  if (noPattern || noValue) return noPattern && noValue;
  const i = pattern.lastIndexOf('*');
  if (i === -1) return value === pattern;
  if (i === pattern.length - 1) return value.startsWith(pattern.slice(0, i));
  if (i === 0) return value.endsWith(pattern.slice(1));
  return value.startsWith(pattern.slice(0, i)) && value.endsWith(pattern.slice(i + 1));
}
