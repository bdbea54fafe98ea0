// The Java motan 1.2.6 peer (test/fleet/java/motan) and the Meshlet scripts opposite it, as
// processes on the kit's conventions; plus Motan2 frame splitting for captures.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { motanSplitter, parseHeader, readMeta } from '@meshlet/transport-motan';
import { javaArgs, javaPeer } from '../lib/maven.js';
import { runConsumer, startPeer } from '../lib/processes.js';

const meshletScript = (name) => fileURLToPath(new URL(`../meshlet/${name}.js`, import.meta.url));

/** Builds the peer (cold: Maven resolves motan from Maven Central) and returns its launchers. */
export async function motanPeer() {
  const cp = await javaPeer('motan');
  return {
    provider: (args = []) => startPeer('java', javaArgs(cp, 'com.meshlet.motan.Provider', ['--port', '0', ...args]), { name: 'motan java provider' }),
    consumer: (args = [], opts = {}) => runConsumer('java', javaArgs(cp, 'com.meshlet.motan.Consumer', args), { name: 'motan java consumer', ...opts }),
    /** A consumer left running (drain mode), for a test that acts while its calls are in flight. */
    start: (args) => startPeer('java', javaArgs(cp, 'com.meshlet.motan.Consumer', args), { name: 'motan java consumer', readyMs: 60_000 }),
  };
}

export const meshletProvider = (args = []) =>
  startPeer(process.execPath, [meshletScript('provider'), '--protocol', 'motan2', '--port', '0', ...args], { name: 'meshlet motan2 provider' });
export const meshletConsumer = (args) =>
  runConsumer(process.execPath, [meshletScript('consumer'), '--protocol', 'motan2', ...args], { name: 'meshlet motan2 consumer' });

/** The Motan2 frames of one direction of a captured connection, split by the transport's reader. */
export function frames(buf) {
  const out = [];
  for (let at = 0; at < buf.length;) {
    const len = motanSplitter.frameLength(buf, at);
    assert.ok(len > 0 && at + len <= buf.length, `a whole frame at ${at}`);
    out.push(buf.subarray(at, at + len));
    at += len;
  }
  return out;
}

/** Header fields and meta of a frame, for picking frames out of a capture. */
export function describeFrame(frame) {
  const h = parseHeader(frame);
  return { ...h, meta: { ...readMeta(frame, 17, 17 + h.metaLength) } };
}
