// Maps `--protocol` to its transport package, loaded only when asked for.
const PROTOCOLS = {
  dubbo: async () => (await import('@meshlet/transport-dubbo')).dubbo(),
  bolt: async () => (await import('@meshlet/transport-bolt')).bolt(),
  motan2: async () => (await import('@meshlet/transport-motan')).motan2(),
  rsocket: async () => (await import('@meshlet/transport-rsocket')).rsocket(),
  tri: async () => (await import('@meshlet/transport-triple')).triple(),
};

export async function loadProtocol(name) {
  const load = PROTOCOLS[name];
  if (!load) throw new Error(`unknown protocol ${JSON.stringify(name)} (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  return load();
}

/** `--flag value` pairs and bare `--flag` booleans. */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else out[key] = argv[++i];
  }
  return out;
}
