/**
 * Java's `Version.getIntVersion`: `2.0.2` → 2000200, `2.5.3.6` → 2050306. Response attachments
 * (flags 3–5) are sent only to requests whose version lies in [2.0.2, 2.0.99]
 * (`Version.isSupportResponseAttachment`); older consumers cannot read them.
 */
export function intVersion(version: string): number {
  const parts = version.split('.');
  let v = 0;
  for (let i = 0; i < parts.length; i++) {
    const digits = /^\d*/.exec(parts[i]!)![0];
    if (digits) v += Number(digits) * 10 ** ((parts.length - i - 1) * 2);
  }
  return parts.length === 3 ? v * 100 : v;
}

/** Answers per version string: every request carries one, and a provider sees only a few. */
const supportCache = new Map<string, boolean>();
const SUPPORT_CACHE_MAX = 64;

export function supportsResponseAttachments(version: string | undefined): boolean {
  if (!version) return false;
  let supported = supportCache.get(version);
  if (supported === undefined) {
    const v = intVersion(version);
    supported = v >= 2000200 && v <= 2009900;
    // Versions are the peer's to choose: a bounded cache, so odd ones cannot grow it.
    if (supportCache.size >= SUPPORT_CACHE_MAX) supportCache.clear();
    supportCache.set(version, supported);
  }
  return supported;
}
