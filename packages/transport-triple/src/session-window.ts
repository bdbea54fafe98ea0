import type * as http2 from 'node:http2';

/**
 * The connection-level HTTP/2 receive window every Triple session opens to, both sides. nghttp2
 * starts it at 64 KiB for all streams together: over a 40 ms round trip that caps a session at
 * ~1.6 MB/s, and a 4 MiB message beside 128 small calls got so little of it that it did not
 * arrive within the provider's 30 s (test/security/tls-lan.test.js). 128 streams' own 64 KiB
 * windows fit in 8 MiB. Per-stream windows stay 64 KiB, so a reader that stops still stops its
 * stream's sender; this is the most one session holds unread.
 */
export const SESSION_WINDOW = 8 * 1024 * 1024;

/** Widens a session's connection-level receive window (once it is set up; a closed one is left). */
export function widenSessionWindow(session: http2.Http2Session): void {
  try {
    session.setLocalWindowSize(SESSION_WINDOW);
  } catch {
    // Destroyed before its settings were exchanged: nothing to widen.
  }
}
