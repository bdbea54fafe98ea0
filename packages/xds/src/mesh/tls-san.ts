// match_subject_alt_names as Node's checkServerIdentity: the server's certificate must carry a SAN
// some matcher accepts (gRFC A29; Envoy's rule). Without matchers only the chain is verified, as
// gRPC and Envoy do (no host-name check: endpoints are addresses a control plane handed out).
// Matchers are compiled once per cluster configuration; a handshake parses the SAN text once.
import type { PeerCertificate } from 'node:tls';
import { stringMatcher } from './matchers.js';
import type { SanMatcherSpec } from './tls-context.js';

/** Node's SAN kinds by Envoy's san_type names. */
const KINDS: Readonly<Record<string, string>> = { DNS: 'DNS', URI: 'URI', EMAIL: 'email', IP_ADDRESS: 'IP Address' };

type Compiled = { readonly kind: string | undefined; readonly test: (v: string) => boolean };

/** A checkServerIdentity for the matchers; undefined when one cannot be compiled (the cluster is then unusable). */
export function sanCheck(specs: readonly SanMatcherSpec[]): ((host: string, cert: PeerCertificate) => Error | undefined) | undefined {
  const compiled: Compiled[] = [];
  for (const spec of specs) {
    const m = stringMatcher(spec.matcher);
    if (m === undefined) return undefined;
    compiled.push({ kind: spec.type === undefined ? undefined : KINDS[spec.type], test: (v) => m(v) });
  }
  if (compiled.length === 0) return () => undefined;
  return (_host, cert) => {
    const sans = subjectAltNames(cert.subjectaltname);
    for (const [kind, value] of sans) {
      // Untyped matchers (match_subject_alt_names) look at DNS and URI SANs (and IPs), as gRPC does.
      for (const c of compiled) if ((c.kind === undefined ? kind !== 'email' : c.kind === kind) && c.test(value)) return undefined;
    }
    const err = new Error(`server certificate SANs [${sans.map(([k, v]) => `${k}:${v}`).join(', ')}] match none of the cluster's match_subject_alt_names`);
    (err as NodeJS.ErrnoException).code = 'ERR_TLS_CERT_ALTNAME_INVALID';
    return err;
  };
}

/** Node's `subjectaltname` text: `DNS:a, URI:spiffe://b, IP Address:127.0.0.1`; values with a comma come JSON-quoted. */
export function subjectAltNames(text: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (!text) return out;
  const entry = /\s*([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/y;
  for (let m = entry.exec(text); m !== null && m[0] !== ''; m = entry.exec(text)) {
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // left as written: it then matches nothing a matcher would want
      }
    }
    out.push([m[1]!, value]);
  }
  return out;
}
