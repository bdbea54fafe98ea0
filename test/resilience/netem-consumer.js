// A consumer process for the network-fault suite, run in its own namespace: Meshlet with the
// defaults an app keeps (meshlet-rpc: p2c on peak EWMA, a breaker per endpoint, failover, 3 s
// timeout), Dubbo (or $PROTOCOL), discovering the providers through argv[2] (a registry URL). The suite drives it
// with one JSON command per stdin line; each gets one JSON answer line with the same `id`:
//   { op: 'load', method, inFlight, timeout }  start `inFlight` loops calling `method` ('both':
//                                      charge and lookup in turn), with the default timeout unless given
//   { op: 'stop' }                     stop them: { counts: { provider: n }, failures: [{ method, code, at, sentAt, message }] }
//   { op: 'call', method, n, timeout } one call: { value } or { code, message }
//   { op: 'endpoints' }                introspect() of the default reference: [{ address, health, breaker, inFlight, calls, errors }]
import { createInterface } from 'node:readline';
import { bolt, createMeshlet, dubbo, motan2 } from 'meshlet-rpc';
import { rsocket } from '@meshlet/transport-rsocket';
import { Ledger } from './service.js';
import { load } from './helpers.js';

// PROTOCOL: the one to call with (dubbo by default).
const protocol = { dubbo, bolt, motan2, rsocket }[process.env.PROTOCOL ?? 'dubbo'];
const mesh = createMeshlet({ application: 'netem-consumer', registry: process.argv[2], protocols: [protocol()], admin: false });
const ledger = mesh.refer(Ledger);
const byTimeout = new Map();
const referWith = (timeout) => {
  if (timeout === undefined) return ledger;
  if (!byTimeout.has(timeout)) byTimeout.set(timeout, mesh.refer(Ledger, { timeout }));
  return byTimeout.get(timeout);
};

let running;

const ops = {
  load({ method, inFlight = 128, timeout }) {
    if (running) throw new Error('load already running');
    const failures = [];
    const ref = referWith(timeout);
    const call = method === 'both' ? (i) => (i % 2 ? ref.charge(i) : ref.lookup(i)) : (i) => ref[method](i);
    const loop = load(async (i) => {
      const sentAt = Date.now();
      try {
        return await call(i);
      } catch (e) {
        const name = method === 'both' ? (i % 2 ? 'charge' : 'lookup') : method;
        failures.push({ method: name, code: e?.code, at: Date.now(), sentAt, message: String(e?.message ?? e).slice(0, 300) });
        throw e;
      }
    }, inFlight);
    running = { loop, failures };
    return {};
  },
  async stop() {
    if (!running) throw new Error('no load running');
    const { loop, failures } = running;
    running = undefined;
    const { counts } = await loop.stop();
    return { counts, failures };
  },
  async call({ method, n = 0, timeout }) {
    const started = Date.now();
    try {
      return { value: await referWith(timeout)[method](n), ms: Date.now() - started };
    } catch (e) {
      return { code: e?.code, message: String(e?.message ?? e), ms: Date.now() - started };
    }
  },
  endpoints() {
    // The first reference is `ledger` (in-flight counts are per address, shared by references).
    return mesh.introspect().references[0]?.endpoints ?? [];
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
// stdin closed: the suite is done with us.
await mesh.stop(0);
process.exit(0);
