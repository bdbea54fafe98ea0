/**
 * `grpc-timeout`: at most 8 ASCII digits and a unit (H, M, S, m, u, n). We send milliseconds (or
 * seconds once the value needs more than 8 digits) and read every unit.
 */
export function encodeTimeout(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  if (v < 1e8) return `${v}m`;
  return `${Math.min(99_999_999, Math.ceil(v / 1000))}S`;
}

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** Milliseconds, or undefined when the header is absent or malformed (then: no deadline). */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(text);
  if (m === null) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
