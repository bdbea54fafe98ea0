import { UsageError } from './usage-error.js';

/** Positional arguments and `--flag value` / `--flag=value` / bare `--flag` options. */
export interface Parsed {
  readonly positional: string[];
  readonly flags: Record<string, string | true>;
}

/** `booleans` never take a value: `--compact '[1]'` keeps `[1]` positional. */
export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | true> = Object.create(null);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      flags[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--') || booleans.includes(a.slice(2))) flags[a.slice(2)] = true;
    else flags[a.slice(2)] = argv[++i]!;
  }
  return { positional, flags };
}

export function flagText(flags: Parsed['flags'], name: string): string | undefined {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function flagPort(flags: Parsed['flags'], name: string): number | undefined {
  const v = flagText(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port (0..65535), got ${JSON.stringify(v)}`);
  return n;
}

export function flagPorts(flags: Parsed['flags'], name: string): number[] | undefined {
  const v = flagText(flags, name);
  if (v === undefined) return undefined;
  return v.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} takes ports (0..65535), got ${JSON.stringify(p)}`);
    return n;
  });
}
