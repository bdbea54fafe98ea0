import { createInterface } from 'node:readline';
import { createMeshlet, RpcError } from 'meshlet-rpc';
import { Catalog } from './contract.js';

// Configured by MESHLET_XDS alone (a gRPC bootstrap file, set by run.js): no registry, no address,
// no weights or timeouts in code. createMeshlet sees MESHLET_XDS and routes every reference by what
// the control plane says. run.js drives it with one command per line on stdin; each prints one line.
const mesh = createMeshlet({ application: 'shop-frontend' });
const catalog = mesh.refer(Catalog);

/** `calls N`: N calls, 32 in flight; prints who answered and how the others failed. */
async function calls(n: number): Promise<void> {
  const answered = new Map<string, number>();
  const failed = new Map<string, { count: number; message: string }>();
  let next = 0;
  const worker = async () => {
    while (next++ < n) {
      try {
        const version = await catalog.version();
        answered.set(version, (answered.get(version) ?? 0) + 1);
      } catch (err) {
        const code = err instanceof RpcError ? err.code : 'ERROR';
        const seen = failed.get(code) ?? { count: 0, message: err instanceof Error ? err.message : String(err) };
        seen.count++;
        failed.set(code, seen);
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const pct = (k: number) => `${Number(((k / n) * 100).toFixed(1))} %`;
  const split = ['v1', 'v2', ...[...answered.keys()].filter((v) => v !== 'v1' && v !== 'v2')]
    .map((v) => `${v} ${answered.get(v) ?? 0} (${pct(answered.get(v) ?? 0)})`);
  const failures = [...failed].map(([code, f]) => `${code} ${f.count} (${pct(f.count)}: "${f.message}")`);
  console.log(`consumer: ${n} calls → ${split.join(', ')}${failures.length ? `; failed ${failures.join(', ')}` : ''}`);
}

/** `slow MS`: one call the provider answers after MS ms; prints the answer or the typed error. */
async function slow(ms: number): Promise<void> {
  const start = performance.now();
  const took = () => `${Math.round(performance.now() - start)} ms`;
  try {
    const version = await catalog.slow(ms);
    console.log(`consumer: slow(${ms}) → ${version} answered after ${took()}`);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    console.log(`consumer: slow(${ms}) → RpcError ${err.code} after ${took()}: ${err.message}`);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(/\s+/);
  if (command === 'calls') await calls(Number(arg));
  else if (command === 'slow') await slow(Number(arg));
  else if (command === 'stop') break;
  else console.log(`consumer: unknown command ${JSON.stringify(line)}`);
}
await mesh.stop();
