import { BlockList, isIP } from 'node:net';

/** A compiled list of values: true when the input matches any of them. */
export type Matcher = (value: string) => boolean;

/**
 * Istio's string match, compiled once: `v` exact, `v*` prefix, `*v` suffix, `*` anything. A
 * list is one Set lookup plus a scan of its prefixes and suffixes, however long it is.
 * Patterns are validated before (`checkPattern`).
 */
export function stringMatcher(patterns: readonly string[]): Matcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  for (const p of patterns) {
    if (p === '*') return () => true;
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else if (p.startsWith('*')) suffixes.push(p.slice(1));
    else exact.add(p);
  }
  if (prefixes.length === 0 && suffixes.length === 0) {
    if (exact.size === 1) {
      const only = exact.values().next().value as string;
      return (v) => v === only;
    }
    return (v) => exact.has(v);
  }
  return (v) => {
    if (exact.has(v)) return true;
    for (const p of prefixes) if (v.startsWith(p)) return true;
    for (const s of suffixes) if (v.endsWith(s)) return true;
    return false;
  };
}

/** Why `pattern` is not one of Istio's forms, or undefined when it is. */
export function checkPattern(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern === '') return 'must be a non-empty string';
  const inner = pattern.length > 1 ? pattern.slice(1, -1) : '';
  if (inner.includes('*') || (pattern.length > 1 && pattern.startsWith('*') && pattern.endsWith('*'))) {
    return `"${pattern}": "*" may only stand alone, start or end a value (exact, prefix*, *suffix, *)`;
  }
  return undefined;
}

/** `10.0.0.0/8`, `::1` and the like, compiled into one BlockList. */
export function ipMatcher(blocks: readonly string[]): Matcher {
  const list = new BlockList();
  for (const block of blocks) {
    const [address, bits] = splitBlock(block);
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return (ip) => {
    const family = isIP(ip);
    return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Why `block` is not an IP address or CIDR block, or undefined when it is. */
export function checkIpBlock(block: unknown): string | undefined {
  if (typeof block !== 'string') return 'must be an IP address or CIDR block';
  const [address, bits] = splitBlock(block);
  const family = isIP(address);
  if (family === 0) return `"${block}" is not an IP address or CIDR block`;
  if (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))) {
    return `"${block}": prefix length out of range`;
  }
  return undefined;
}

function splitBlock(block: string): [string, number | undefined] {
  const slash = block.indexOf('/');
  if (slash < 0) return [block, undefined];
  const bits = block.slice(slash + 1);
  return [block.slice(0, slash), /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN];
}
