import type { Invocation } from '@meshlet/core';

const SPIFFE = 'spiffe://';
const NAMESPACE = /\/ns\/([^/]+)(?:\/|$)/;

/**
 * What the policies read about one call, worked out on first use and kept for the rest of the
 * check (a call with no `from` rules never parses its peer address or identity).
 */
export class CallFacts {
  private principalList: readonly string[] | undefined;
  private ns: string | null | undefined;
  private peer: string | null | undefined;
  private remote: string | null | undefined;
  private key: string | undefined;

  constructor(readonly inv: Invocation) {}

  /**
   * The spellings a principal pattern is tried against: the SPIFFE ID without and with
   * `spiffe://`, and the certificate subject. Empty for a caller without a verified identity.
   */
  get principals(): readonly string[] {
    if (this.principalList === undefined) {
      const id = this.inv.identity;
      const list: string[] = [];
      if (id !== undefined) {
        if (id.spiffeId !== undefined) list.push(id.spiffeId.startsWith(SPIFFE) ? id.spiffeId.slice(SPIFFE.length) : id.spiffeId, id.spiffeId);
        if (id.subject) list.push(id.subject);
      }
      this.principalList = list;
    }
    return this.principalList;
  }

  /** The namespace in the caller's SPIFFE ID (`…/ns/<name>/…`), if it has one. */
  get namespace(): string | undefined {
    if (this.ns === undefined) {
      const m = this.inv.identity?.spiffeId === undefined ? null : NAMESPACE.exec(this.inv.identity.spiffeId);
      this.ns = m === null ? null : m[1]!;
    }
    return this.ns ?? undefined;
  }

  /** The connection's peer IP (`peer` is `ip:port`; an IPv4-mapped IPv6 address reads as IPv4). */
  get peerIp(): string | undefined {
    if (this.peer === undefined) this.peer = hostOf(this.inv.peer) ?? null;
    return this.peer ?? undefined;
  }

  /** The original caller: the first `x-forwarded-for` entry a proxy added, else the peer. */
  get remoteIp(): string | undefined {
    if (this.remote === undefined) {
      const forwarded = this.inv.attachments['x-forwarded-for'];
      const first = forwarded === undefined ? '' : forwarded.split(',')[0]!.trim();
      this.remote = first !== '' ? unmapped(first) : (this.peerIp ?? null);
    }
    return this.remote ?? undefined;
  }

  get service(): string {
    return this.inv.service.interface;
  }

  /** `group/interface:version`, as Dubbo writes a service key. */
  get serviceKey(): string {
    if (this.key === undefined) {
      const s = this.inv.service;
      this.key = `${s.group ? `${s.group}/` : ''}${s.interface}${s.version ? `:${s.version}` : ''}`;
    }
    return this.key;
  }

  get method(): string {
    return this.inv.method.name;
  }

  attachment(name: string): string | undefined {
    return this.inv.attachments[name];
  }
}

function hostOf(peer: string | undefined): string | undefined {
  if (peer === undefined || peer === '') return undefined;
  const colon = peer.lastIndexOf(':');
  // The engine writes `ip:port` (`::ffff:1.2.3.4:5`, `::1:5`): the host is everything before the last colon.
  const host = colon > 0 && /^\d+$/.test(peer.slice(colon + 1)) ? peer.slice(0, colon) : peer;
  return unmapped(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
}

function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
