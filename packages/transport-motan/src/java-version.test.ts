// Java motan's referer sends the service version as the plain meta key `version` (its attachment),
// never `M_v` (captured from motan 1.2.6: fixtures/java-motan-captured.json); its provider routes
// on it. A Meshlet provider serving two versions must pick the one a Java consumer asks for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, t, type Meshlet } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { RawPeer } from './wire.fixture.js';
import { encodeFrame } from './frame.js';
import { ByteWriter } from './wire/writer.js';

const v = (version: string) => defineService({ interface: 'com.example.Versioned', group: 'g', version, methods: { hello: { params: [t.string], returns: t.string } } });

let mesh: Meshlet;
let port: number;
before(async () => {
  mesh = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(v('1.0'), { hello: (s) => `v1 ${s}` });
  mesh.provide(v('2.0'), { hello: (s) => `v2 ${s}` });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

test("a Java request's `version` meta (no M_v) selects the version; M_v wins when both are there", async () => {
  const peer = await RawPeer.connect(port);
  const w = new ByteWriter();
  const body = Buffer.from('0100000003526179', 'hex'); // simple "Ray"
  // The meta a Java motan 1.2.6 referer sends (HashMap order), for version 2.0.
  const java = (id: bigint, extra: [string, string][]) => encodeFrame(w, {
    msgType: 0, serialization: 6, requestId: id, body,
    meta: [['M_p', 'com.example.Versioned'], ['M_m', 'hello'], ['M_md', 'java.lang.String'], ['application', 'app'], ['M_g', 'g'], ['clientGroup', 'g'], ['M_pp', 'motan2'], ['module', 'm'], ['group', 'g'], ...extra],
  });
  const reply = async (n: number) => (await peer.frame(n)).subarray(-6).toString('latin1');
  peer.send(java(1n, [['version', '2.0']]));
  assert.equal(await reply(0), 'v2 Ray');
  peer.send(java(2n, [['version', '1.0']]));
  assert.equal(await reply(1), 'v1 Ray');
  peer.send(java(3n, [['version', '1.0'], ['M_v', '2.0']]));
  assert.equal(await reply(2), 'v2 Ray');
  peer.close();
});
