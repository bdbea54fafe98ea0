// A consumer process for the off-loopback TLS suite, run in its own network namespace: Meshlet
// with MESHLET_TLS_DIR (and MESHLET_TLS_IDENTITIES) as a deployment sets them, calling Bulk.echo
// (test/security/tls-provider.js) over argv[2] (dubbo, bolt, motan2, tri) at argv[3] (host:port).
// Driven with one JSON command per stdin line, answered with one JSON line of the same `id`:
//   { op: 'start', inFlight, size }  keep `inFlight` calls of `size` random bytes going, each
//                                    answer compared with what was sent
//   { op: 'big', size }              one call of `size` random bytes, compared: { ms }
//   { op: 'stats' }                  { ok, failures: n }
//   { op: 'stop' }                   stop the loops: { ok, failures: [{ code, message }] }
//   { op: 'serial' }                 the serial of the certificate a fresh TLS connection is shown
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { createMeshlet } from 'meshlet-rpc';
import { Bulk } from './tls-provider.js';

const [protocol, address] = process.argv.slice(2);
const mesh = createMeshlet({ application: 'tls-lan-consumer', registry: false, protocols: [protocol], admin: false });
const bulk = mesh.refer(Bulk, { url: address, timeout: 120_000, cluster: 'failfast' });

async function echoChecked(size) {
  const sent = randomBytes(size);
  const got = await bulk.echo(sent);
  if (!Buffer.from(got).equals(sent)) throw Object.assign(new Error(`answer of ${got?.length} bytes differs from the ${size} sent`), { code: 'WRONG_ANSWER' });
}

let running;

const ops = {
  start({ inFlight = 128, size = 1024 }) {
    if (running) throw new Error('already running');
    const state = { go: true, ok: 0, failures: [] };
    state.loops = Array.from({ length: inFlight }, async () => {
      while (state.go) {
        try {
          await echoChecked(size);
          state.ok++;
        } catch (e) {
          state.failures.push({ code: e?.code, message: String(e?.message ?? e).slice(0, 300) });
        }
      }
    });
    running = state;
    return {};
  },
  async big({ size }) {
    const started = Date.now();
    await echoChecked(size);
    return { ms: Date.now() - started };
  },
  stats() {
    return { ok: running?.ok ?? 0, failures: running?.failures.length ?? 0 };
  },
  async stop() {
    const state = running;
    running = undefined;
    state.go = false;
    await Promise.all(state.loops);
    return { ok: state.ok, failures: state.failures };
  },
  async serial() {
    const dir = process.env.MESHLET_TLS_DIR;
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const socket = tls.connect({
      host, port, servername: 'localhost',
      ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')),
      ALPNProtocols: protocol === 'tri' ? ['h2'] : undefined,
    });
    try {
      await once(socket, 'secureConnect');
      return socket.getPeerCertificate().serialNumber;
    } finally {
      socket.destroy();
    }
  },
};

const answer = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, op, ...args } = JSON.parse(line);
  Promise.resolve()
    .then(() => ops[op](args))
    .then((result) => answer({ id, result }), (e) => answer({ id, error: String(e?.stack ?? e) }));
}
await mesh.stop(0);
process.exit(0);
