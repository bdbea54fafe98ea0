import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { createRuntime, defineService, t, type Meshlet } from '@meshlet/core';
import { motan2 } from './protocol.js';
import { overloadForTags, simpleArgTags } from './overload.js';
import { Tag } from './simple/tags.js';
import { ByteReader } from './wire/reader.js';

// motan-go clients send no M_md (captured: fixtures/motan-go-captured.json), so Java overloads are
// told apart by the simple tags of the arguments. Before this, `describe(long)` and
// `describe(String)` from motan-go reached `describe(int)` and failed ("does not fit int").
const Over = defineService({
  interface: 'com.meshlet.fleet.FleetService',
  group: 'conformance',
  methods: {
    describeInt: { name: 'describe', params: [t.int32], returns: t.string },
    describeLong: { name: 'describe', params: [t.int64], returns: t.string },
    describeString: { name: 'describe', params: [t.string], returns: t.string },
  },
});

let mesh: Meshlet;
let port: number;
before(async () => {
  mesh = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Over, { describeInt: (x) => `int:${x}`, describeLong: (x) => `long:${x}`, describeString: (s) => `string:${s}` });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

/** A request as motan-go writes one: simple, M_p/M_m/M_g, no M_md. */
function goRequest(rid: number, body: Buffer): Buffer {
  const meta = Buffer.from('M_p\ncom.meshlet.fleet.FleetService\nM_m\ndescribe\nM_g\nconformance');
  const head = Buffer.alloc(17);
  head.writeUInt16BE(0xf1f1, 0);
  head[2] = 0x00;
  head[3] = 0x08;
  head[4] = 0x30;
  head.writeBigUInt64BE(BigInt(rid), 5);
  head.writeUInt32BE(meta.length, 13);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([head, meta, len, body]);
}

async function call(body: Buffer): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(goRequest(7, body));
  let got = Buffer.alloc(0);
  for (;;) {
    const [chunk] = await once(sock, 'data');
    got = Buffer.concat([got, chunk as Buffer]);
    if (got.length >= 21) {
      const metaEnd = 17 + got.readUInt32BE(13);
      if (got.length >= metaEnd + 4 && got.length >= metaEnd + 4 + got.readUInt32BE(metaEnd)) {
        sock.destroy();
        assert.equal(got[3]! & 0x07, 0, `status normal, meta: ${got.subarray(17, metaEnd).toString()}`);
        const body = got.subarray(metaEnd + 4);
        assert.equal(body[0], Tag.STRING);
        return body.subarray(5).toString();
      }
    }
  }
}

test('a motan-go request without M_md reaches the overload its simple tags fit', async () => {
  assert.equal(await call(Buffer.from([0x08, 0x0e])), 'int:7');
  // int64 9007199254740993 as a zigzag varint
  assert.equal(await call(Buffer.from('098280808080808020', 'hex')), 'long:9007199254740993');
  assert.equal(await call(Buffer.from('010000000137', 'hex')), 'string:7');
});

test('simpleArgTags reads every top-level tag and skips values; malformed is undefined', () => {
  const body = Buffer.from('0802' + '09feffffffffffffffff01' + '0100000002' + '6869' + '00' + '0501' + '0b4009000000000000' + '1500000000', 'hex');
  assert.deepEqual(simpleArgTags(new ByteReader(body, 0, body.length)), [8, 9, 1, 0, 5, 11, 21]);
  const cut = Buffer.from('0100000009ab', 'hex');
  assert.equal(simpleArgTags(new ByteReader(cut, 0, cut.length)), undefined);
  assert.equal(simpleArgTags(new ByteReader(Buffer.from([0x63]), 0, 1)), undefined);
});

test('overloadForTags follows Java receiver types and refuses ambiguity', () => {
  const ms = [...Over.methods.values()];
  assert.equal(overloadForTags(ms, [Tag.INT32])?.key, 'describeInt');
  assert.equal(overloadForTags(ms, [Tag.INT64])?.key, 'describeLong');
  assert.equal(overloadForTags(ms, [Tag.STRING])?.key, 'describeString');
  assert.equal(overloadForTags(ms, [Tag.NULL])?.key, 'describeString', 'null fits no primitive');
  assert.equal(overloadForTags(ms, [Tag.FLOAT64]), undefined);
});
