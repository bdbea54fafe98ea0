import type { IncomingHttpHeaders } from 'node:http2';
import { RESERVED_HEADERS } from './constants.js';

/**
 * Attachments travel as headers, as Dubbo 3 sends them: lower-case names (HTTP/2 wants that), and
 * neither the protocol's own headers nor binary (`-bin`) ones are attachments.
 */
export function attachmentsOf(headers: IncomingHttpHeaders): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const name in headers) {
    if (name.startsWith(':') || name.startsWith('grpc-') || name.endsWith('-bin') || RESERVED_HEADERS.has(name)) continue;
    const v = headers[name];
    out[name] = Array.isArray(v) ? v.join(',') : (v ?? '');
  }
  return out;
}

/** A header's one value (the first when repeated). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Attachment names a header can carry: an HTTP token, lower-cased; others are not sent. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

export function putAttachments(target: Record<string, string>, attachments: Readonly<Record<string, string>>): void {
  for (const k in attachments) {
    const name = k.toLowerCase();
    if (!TOKEN.test(name) || RESERVED_HEADERS.has(name) || name.startsWith('grpc-')) continue;
    const value = attachments[k]!;
    // Header values may not hold control characters; such attachments are dropped, not fatal.
    if (/[\0\r\n]/.test(value)) continue;
    target[name] = value;
  }
}
