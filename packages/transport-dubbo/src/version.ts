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

export function supportsResponseAttachments(version: string | undefined): boolean {
  if (!version) return false;
  const v = intVersion(version);
  return v >= 2000200 && v <= 2009900;
}
