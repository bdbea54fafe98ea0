import { createRuntime, defineService, t, type Protocol } from '@meshlet/core';
import { RawPeer as Peer } from '@meshlet/core/testing';
import { motanSplitter } from './header.js';

/** The raw TCP test peer of @meshlet/core/testing, collecting whole Motan2 frames. */
export const RawPeer = { connect: (port: number) => Peer.connect(port, motanSplitter) };

/** A service whose method sleeps the milliseconds it is given: a call in flight on demand. */
export const Slow = defineService({
  interface: 'com.meshlet.Slow',
  group: 'g',
  methods: { sleep: { params: [t.int32], returns: t.string } },
});

/** A Motan2 request frame for `Slow.sleep(ms)` (simple serialization), written by hand. */
export function slowRequest(rid: number, ms: number): Buffer {
  const meta = Buffer.from('M_p\ncom.meshlet.Slow\nM_m\nsleep\nM_g\ng');
  const head = Buffer.alloc(17);
  head.writeUInt16BE(0xf1f1, 0);
  head[3] = 0x08;
  head[4] = 0x30; // simple
  head.writeBigUInt64BE(BigInt(rid), 5);
  head.writeUInt32BE(meta.length, 13);
  const zigzag = ms * 2; // small positive int32 as a zigzag varint
  const varint: number[] = [];
  let z = zigzag;
  while (z >= 0x80) { varint.push((z & 0x7f) | 0x80); z >>>= 7; }
  varint.push(z);
  const body = Buffer.from([0x08, ...varint]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([head, meta, len, body]);
}

/**
 * A provider of `Slow` on a free loopback port whose `started()` counts the calls its method
 * began; `untilStarted(n)` waits (up to 10 s) until it has begun `n`.
 */
export async function startSlowProvider(protocol: Protocol) {
  const mesh = createRuntime({ protocols: [protocol], server: { host: '127.0.0.1', port: 0 } });
  let started = 0;
  mesh.provide(Slow, { sleep: (ms) => (started++, new Promise((r) => setTimeout(() => r('slept'), ms))) });
  await mesh.start();
  const untilStarted = async (n: number) => {
    for (const end = Date.now() + 10_000; started < n && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    if (started !== n) throw new Error(`the provider began ${started} calls, expected ${n}`);
  };
  return { mesh, port: mesh.address()!.port, started: () => started, untilStarted };
}
