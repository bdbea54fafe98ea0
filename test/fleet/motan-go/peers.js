// The motan-go peers (test/fleet/go, motan-go v1.2.0 from the Go module proxy) and the Meshlet
// fleet scripts, started the way the motan-go tests need them.
import { join } from 'node:path';
import { goPeer } from '../lib/go.js';
import { root } from '../lib/cache.js';
import { runConsumer, startPeer } from '../lib/processes.js';

const fleet = join(root, 'test', 'fleet', 'meshlet');

/** The motan-go server: EchoService + FleetService in group `conformance` (or `group`). */
export async function motanGoServer({ registry, group, gzip } = {}) {
  const bin = await goPeer('motan-server');
  const args = [...(registry ? ['-registry', registry] : []), ...(group ? ['-group', group] : []), ...(gzip ? ['-gzip', String(gzip)] : [])];
  return startPeer(bin, args, { name: 'motan-go server' });
}

/** The motan-go client running a suite (kit, errors, drain) against a target or a registry. */
export async function motanGoClient({ target, registry, suite = 'kit', extra = [], ms } = {}) {
  const bin = await goPeer('motan-client');
  const args = [...(target ? ['-target', target] : ['-registry', registry]), '-suite', suite, ...extra];
  return runConsumer(bin, args, { name: `motan-go client (${suite})`, ms });
}

/** test/fleet/meshlet/provider.js on motan2. */
export function meshletProvider({ registry, group, env } = {}) {
  const args = [join(fleet, 'provider.js'), '--protocol', 'motan2', '--port', '0',
    ...(registry ? ['--registry', registry] : []), ...(group ? ['--group', group] : [])];
  return startPeer(process.execPath, args, { env, name: 'meshlet motan2 provider' });
}

/** test/fleet/meshlet/consumer.js on motan2 (neither target nor registry: sidecar mode, by env). */
export function meshletConsumer({ target, registry, skip = [], env } = {}) {
  const args = [join(fleet, 'consumer.js'), '--protocol', 'motan2',
    ...(target ? ['--target', target] : registry ? ['--registry', registry] : []), ...(skip.length ? ['--skip', skip.join(',')] : [])];
  return runConsumer(process.execPath, args, { env, name: 'meshlet motan2 consumer' });
}

/**
 * Cases Meshlet's consumer cannot check over Motan2 from a motan-go provider (or any provider the
 * motan-go agent relays), and why:
 * - exception/custom-class: Motan2's M_e carries errcode/errmsg/errtype, never an exception
 *   class, so `remoteClass` cannot arrive (the message and the business type do, and are checked).
 */
export const SKIP_FROM_GO = ['exception/custom-class'];

/**
 * Under breeze, in addition: breeze-go v0.1.1 (what motan-go 1.2.0 uses) reads a breeze message
 * only into a generated breeze.Message type, and the fleet's Go services take classes as maps, so
 * User and Order cannot reach them under breeze (they do under simple).
 */
export const SKIP_FROM_GO_BREEZE = [...SKIP_FROM_GO, 'echoUser/full', 'echoUser/empty-collections', 'order/full', 'order/nulls'];

/** The motan-go agent on free ports, registering in and discovering from ZooKeeper `zk` (host:port). */
export async function motanGoAgent(zk) {
  const bin = await goPeer('motan-agent');
  const peer = await startPeer(bin, ['-zk', zk], { name: 'motan-go agent' });
  const ports = JSON.parse(/AGENT (\{.*\})/.exec(peer.output())[1]);
  return { ...peer, ports };
}
