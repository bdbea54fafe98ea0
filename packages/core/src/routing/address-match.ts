import { BlockList, isIP } from 'node:net';

/**
 * Whether a tag rule's address expression takes the provider at `host:port`, as Dubbo's
 * `NetUtils.matchIpExpression` plus the tag router's `0.0.0.0:port`: a CIDR block (`10.0.0.0/8`,
 * `fd00::/8`; no port), `*` / `*.*.*.*`, an exact address with or without `:port` (`[v6]:port`),
 * IPv4 octets as `*` or ranges `1-20` (`10.20.*.1-9:20880`). Host names are compared as written
 * (Java would resolve them through DNS). A malformed expression matches nothing, as Java logs and
 * skips it.
 */
export function matchAddress(expression: string, host: string, port: number): boolean {
  try {
    return matchExpression(expression.trim(), host, port);
  } catch {
    return false;
  }
}

function matchExpression(pattern: string, host: string, port: number): boolean {
  if (pattern === `0.0.0.0:${port}`) return true;
  if (pattern.includes('/')) {
    const slash = pattern.indexOf('/');
    const net = pattern.slice(0, slash);
    const bits = Number(pattern.slice(slash + 1));
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(net) === 0 || isIP(host) === 0 || !Number.isInteger(bits)) return false;
    const list = new BlockList();
    list.addSubnet(net, bits, family);
    return list.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4');
  }
  if (pattern === '*.*.*.*' || pattern === '*') return true;
  const v4 = isIP(host) !== 6;
  let hostPart = pattern;
  let portPart: string | undefined;
  if (pattern.startsWith('[') && pattern.includes(']:')) {
    const end = pattern.indexOf(']:');
    hostPart = pattern.slice(1, end);
    portPart = pattern.slice(end + 2);
  } else if (pattern.startsWith('[') && pattern.endsWith(']')) {
    hostPart = pattern.slice(1, -1);
  } else if (v4 && pattern.includes(':')) {
    const end = pattern.indexOf(':');
    hostPart = pattern.slice(0, end);
    portPart = pattern.slice(end + 1);
  }
  if (portPart !== undefined && portPart !== String(port)) return false;
  if (hostPart === host) return true;
  if (!hostPart.includes('*') && !hostPart.includes('-')) {
    // IPv6 spellings differ (`::1` vs `0:0:0:0:0:0:0:1`): compare what both block lists see.
    if (!v4 && isIP(hostPart) === 6 && isIP(host) === 6) {
      const list = new BlockList();
      list.addAddress(hostPart, 'ipv6');
      return list.check(host, 'ipv6');
    }
    return false;
  }
  const sep = v4 ? '.' : ':';
  const mask = hostPart.split(sep);
  const parts = (v4 ? host : expandV6(host)).split(sep);
  if (mask.length !== (v4 ? 4 : 8) || parts.length !== mask.length) return false;
  const radix = v4 ? 10 : 16;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]!;
    const h = parts[i]!;
    if (m === '*' || m === h) continue;
    if (m.includes('-')) {
      const range = m.split('-').filter((s) => s !== '');
      if (range.length !== 2) return false;
      const [min, max, ip] = [segment(range[0]!, radix), segment(range[1]!, radix), segment(h, radix)];
      if (ip < min || ip > max) return false;
      continue;
    }
    if (h === '0' && /^0{1,4}$/.test(m)) continue;
    return false;
  }
  return true;
}

function segment(text: string, radix: number): number {
  const n = Number.parseInt(text, radix);
  if (Number.isNaN(n) || !(radix === 10 ? /^[+-]?\d+$/ : /^[+-]?[0-9a-f]+$/i).test(text)) throw new TypeError(`bad ip segment ${text}`);
  return n;
}

/** `fe80::1` → `fe80:0:0:0:0:0:0:1`, Java's `getHostAddress` spelling. */
function expandV6(host: string): string {
  const h = host.replace(/%.*$/, '').toLowerCase();
  if (!h.includes('::')) return h.split(':').map((s) => s.replace(/^0+(?=.)/, '')).join(':');
  const [head, tail] = h.split('::') as [string, string];
  const a = head === '' ? [] : head.split(':');
  const b = tail === '' ? [] : tail.split(':');
  const zeros = new Array(Math.max(0, 8 - a.length - b.length)).fill('0');
  return [...a, ...zeros, ...b].map((s) => s.replace(/^0+(?=.)/, '')).join(':');
}
