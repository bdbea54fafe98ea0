#!/usr/bin/env node
// The Meshlet side of the fleet suite as a consumer: the conformance kit's cases, then the fleet
// cases, one JSON line each and `N passed, N failed` last, against --target or --registry.
// node test/fleet/meshlet/consumer.js --protocol dubbo --target 127.0.0.1:20880 [--registry <url>] [--group g]
//      [--skip case1,case2]
import { createMeshlet, serviceDefinition } from 'meshlet-rpc';
import { EchoService } from '../../../examples/conformance/service.js';
import { cases, runCase } from '../../../examples/conformance/cases.js';
import { loadProtocol, parseArgs } from '../../../examples/conformance/protocols.js';
import { BIG, FleetService, fullOrder, nullOrder, pattern } from './fleet-service.js';

const args = parseArgs(process.argv.slice(2));
const protocol = await loadProtocol(args.protocol ?? 'dubbo');
const group = args.group ?? (args.protocol === 'motan2' ? 'conformance' : undefined);
const inGroup = (def) => (group ? serviceDefinition({ ...def, group }, def.methods.values()) : def);
const skip = new Set(typeof args.skip === 'string' ? args.skip.split(',') : []);
const mesh = createMeshlet({ application: 'meshlet-fleet-consumer', protocols: [protocol], registry: args.registry ?? false, timeout: 10_000 });
const refer = (def, options = {}) => mesh.refer(inGroup(def), { url: args.target, timeout: 10_000, ...options });

let passed = 0;
let failed = 0;
function report(result) {
  if (skip.has(result.case)) return;
  console.log(JSON.stringify(result));
  if (result.ok) passed++;
  else failed++;
}

const echoClients = new Map();
const echo = (timeout) => {
  if (!echoClients.has(timeout)) echoClients.set(timeout, refer(EchoService, { timeout }));
  return echoClients.get(timeout);
};
for (const c of cases) {
  if (skip.has(c.name)) continue;
  report(await runCase(echo(c.timeout ?? 10_000), c, (cc) => echo(cc.timeout ?? 10_000)[cc.method](...cc.args)));
}

const fleet = refer(FleetService, { timeout: 30_000 });
const withAttachment = refer(FleetService, { attachments: { 'x-fleet-key': 'fleet-42' } });
// A Java Set is unordered (the provider reads `labels` into a HashSet and answers in its hash
// order), so orders are compared with their labels sorted, as Java's Set.equals compares them.
const labelsSorted = (o) => (o && Array.isArray(o.labels) ? { ...o, labels: [...o.labels].sort() } : o);
const fleetCases = [
  { name: 'order/full', call: async () => labelsSorted(await fleet.echoOrder(fullOrder)), expect: labelsSorted(fullOrder) },
  { name: 'order/nulls', call: () => fleet.echoOrder(nullOrder), expect: nullOrder },
  { name: 'overload/int', call: () => fleet.describeInt(7), expect: 'int:7' },
  { name: 'overload/long', call: () => fleet.describeLong(9007199254740993n), expect: 'long:9007199254740993' },
  { name: 'overload/string', call: () => fleet.describeString('7'), expect: 'string:7' },
  { name: 'attachment/sent', call: () => withAttachment.attachment('x-fleet-key'), expect: 'fleet-42' },
  { name: 'attachment/absent', call: () => fleet.attachment('x-fleet-absent'), expect: null },
  { name: 'exception/custom-class', call: () => fleet.raise('fleet says no'), expectError: { code: 'BUSINESS', message: 'fleet says no', remoteClass: 'com.meshlet.fleet.FleetException' } },
  { name: 'payload/8MiB-result', call: () => fleet.blob(BIG), expect: pattern(BIG) },
  { name: 'payload/8MiB-argument', call: () => fleet.sizeOf(pattern(BIG)), expect: BIG },
  {
    name: 'inflight/128',
    call: async () => {
      const values = Array.from({ length: 128 }, (_, i) => `call-${i}-${'y'.repeat(i * 16)}`);
      const got = await Promise.all(values.map((v) => echo(30_000).echo(v)));
      return got.filter((g, i) => g !== values[i]).length;
    },
    expect: 0,
  },
];
for (const c of fleetCases) {
  if (!skip.has(c.name)) report(await runCase(null, c, c.call));
}

await mesh.stop(0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
