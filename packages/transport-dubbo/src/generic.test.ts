// Generic calls ($invoke from Java's GenericService), as Apache Dubbo 2.7.23 and 3.3.6 sent them
// (src/fixtures/*-captured.json, "generic": a Java generic consumer and a Java provider), replayed
// against a Meshlet provider: it must answer what the Java provider answered.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, t, type Meshlet } from '@meshlet/core';
import { HessianReader } from '@meshlet/hessian';
import { HEADER_LENGTH } from './constants.js';
import { descriptorOf } from './generic.js';
import { parseHeader } from './header.js';
import { dubbo } from './protocol.js';
import { RawPeer } from './wire.fixture.js';

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
const Echo = defineService({
  interface: 'com.meshlet.conformance.EchoService', version: '1.0', methods: {
    echo: { params: [t.string], returns: t.string },
    addLong: { params: [t.int64, t.int64], returns: t.int64 },
    echoUser: { params: [User], returns: User },
  },
});

let mesh: Meshlet;
let port: number;
before(async () => {
  mesh = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Echo, { echo: (s) => s, addLong: (a, b) => BigInt.asIntN(64, a + b), echoUser: (u) => u });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

/** A response's value, untyped; Java's generalized POJO (a Map with `class`) and a typed object compare by fields. */
function valueOf(frame: Buffer): unknown {
  assert.equal(frame[3], 20, new HessianReader(frame, HEADER_LENGTH, frame.length).readValue() as string);
  const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
  assert.equal(r.readValue(), 4, 'flag 4: a value with attachments');
  const v = r.readValue();
  if (v instanceof Map) return Object.fromEntries([...v].filter(([k]) => k !== 'class'));
  return v && typeof v === 'object' && !Array.isArray(v) ? { ...v } : v;
}

for (const module of ['dubbo27', 'dubbo3']) {
  test(`${module}: Java's $invoke requests get from Meshlet the values the Java provider answered`, async () => {
    const capture = JSON.parse(readFileSync(new URL(`../src/fixtures/${module}-captured.json`, import.meta.url), 'utf8'));
    const [conn] = capture.generic as { fromConsumer: string[]; fromProvider: string[] }[];
    const javaAnswers = new Map(conn!.fromProvider.map((h) => Buffer.from(h, 'hex')).map((f) => [parseHeader(f).id, f]));
    const calls = conn!.fromConsumer.map((h) => Buffer.from(h, 'hex')).filter((f) => (f[2]! & 0x20) === 0);
    assert.equal(calls.length, 3);
    const peer = await RawPeer.connect(port);
    try {
      for (const [i, call] of calls.entries()) {
        assert.match(call.toString('latin1'), /\$invoke/);
        peer.send(call);
        const ours = await peer.frame(i);
        assert.equal(parseHeader(ours).id, parseHeader(call).id);
        assert.deepEqual(valueOf(ours), valueOf(javaAnswers.get(parseHeader(call).id)!));
      }
    } finally {
      peer.close();
    }
  });
}

test('Java type names to JVM descriptors, as GenericService names parameter types', () => {
  assert.equal(['int', 'long', 'boolean', 'double', 'java.lang.String', 'com.x.User'].map(descriptorOf).join(''), 'IJZDLjava/lang/String;Lcom/x/User;');
  assert.equal(descriptorOf('int[]'), '[I');
  assert.equal(descriptorOf('[I'), '[I');
  assert.equal(descriptorOf('java.lang.String[]'), '[Ljava/lang/String;');
  assert.equal(descriptorOf('[Ljava.lang.String;'), '[Ljava/lang/String;');
});
