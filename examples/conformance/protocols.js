// Maps `--protocol` to the transport package. Protocols land one package at a time.
export async function loadProtocol(name) {
  switch (name) {
    case 'dubbo':
      return (await import('@meshlet/transport-dubbo')).dubbo();
    default:
      throw new Error(`protocol ${JSON.stringify(name)} is not available in this build (have: dubbo)`);
  }
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
