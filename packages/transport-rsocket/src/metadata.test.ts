import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, createInvocation, defineService, t } from '@meshlet/core';
import {
  COMPOSITE_MIME, ROUTING_MIME, decodeComposite, decodeRoutes, encodeEntry, encodeMimeType, decodeMimeType, encodeRoute,
} from './composite-metadata.js';
import { MESHLET_MIME, decodeMeshlet, encodePairs } from './meshlet-metadata.js';
import { decodeRequestMetadata, requestMetadataEncoder } from './request-metadata.js';
import { parseRoute, routeOf } from './route.js';

/** rsocket-core 0.0.27's own composite-metadata and routing codecs: the oracle for ours. */
const lib = createRequire(import.meta.url)('rsocket-core') as {
  encodeCompositeMetadata(entries: [unknown, Buffer][]): Buffer;
  decodeCompositeMetadata(buffer: Buffer): Iterable<{ mimeType: string; content: Buffer }>;
  encodeRoutes(...routes: string[]): Buffer;
  decodeRoutes(buffer: Buffer): Iterable<string>;
  MESSAGE_RSOCKET_ROUTING: unknown;
};

const Svc = defineService({
  interface: 'com.meshlet.test.Meta',
  version: '2.1',
  group: 'blue',
  methods: { go: { params: [t.string], returns: t.string } },
});
const go = Svc.methods.get('go')!;

const mime = fc.stringMatching(/^[a-z]{1,12}\/[a-z0-9.+-]{1,40}$/);

test('our composite metadata reads as rsocket-core reads it, and the other way round', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(mime, fc.uint8Array({ maxLength: 64 })), { maxLength: 5 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    (custom, route) => {
      const ours = Buffer.concat([
        encodeEntry(ROUTING_MIME, encodeRoute(route)),
        ...custom.map(([m, c]) => encodeEntry(m, c)),
      ]);
      const theirs = lib.encodeCompositeMetadata([
        [lib.MESSAGE_RSOCKET_ROUTING, lib.encodeRoutes(route)],
        ...custom.map(([m, c]): [unknown, Buffer] => [m, Buffer.from(c)]),
      ]);
      assert.deepEqual(ours, theirs);
      const decoded = decodeComposite(theirs);
      const libDecoded = [...lib.decodeCompositeMetadata(ours)];
      assert.equal(decoded.length, libDecoded.length);
      decoded.forEach((e, i) => {
        assert.equal(e.mime, libDecoded[i]!.mimeType);
        assert.deepEqual(Buffer.from(e.content), Buffer.from(libDecoded[i]!.content));
      });
      assert.deepEqual(decodeRoutes(decoded[0]!.content), [...lib.decodeRoutes(lib.encodeRoutes(route))]);
    },
  ));
});

test('request metadata: route, version, group, budget and attachments survive the trip', () => {
  const inv = createInvocation(Svc, go, ['x'], { timeout: 1234, attachments: { traceparent: '00-abc-def-01', 'zoë': '😀', __proto__: 'p' } });
  const bytes = requestMetadataEncoder(Svc, go).encode(inv);
  const meta = decodeRequestMetadata(bytes, COMPOSITE_MIME);
  assert.equal(meta.route, 'com.meshlet.test.Meta.go');
  assert.equal(meta.meshlet?.version, '2.1');
  assert.equal(meta.meshlet?.group, 'blue');
  // The remaining budget, in whole ms (slack for a loaded machine).
  assert.ok(meta.meshlet!.timeout! > 0 && meta.meshlet!.timeout! <= 1234, String(meta.meshlet!.timeout));
  assert.equal(meta.meshlet?.attachments.traceparent, '00-abc-def-01');
  assert.equal(meta.meshlet?.attachments['zoë'], '😀');
  assert.equal(Object.getPrototypeOf(meta.meshlet!.attachments), null);
  assert.equal(({} as Record<string, unknown>).p, undefined);
  // The general decoder agrees with the per-request fast path.
  const entries = decodeComposite(bytes);
  assert.deepEqual(entries.map((e) => e.mime), [ROUTING_MIME, MESHLET_MIME]);
});

test('attachments that cannot travel are refused before sending', () => {
  const bad: Record<string, string>[] = [{ ':timeout': '1' }, { k: 1 as unknown as string }, { ['k'.repeat(256)]: 'v' }, { k: 'v'.repeat(70_000) }];
  for (const attachments of bad) {
    const inv = createInvocation(Svc, go, ['x'], { attachments });
    assert.throws(() => requestMetadataEncoder(Svc, go).encode(inv), (e: unknown) => RpcError.is(e, Code.Serialization));
  }
});

test('a bare routing entry is accepted when the connection says so; no route is a clear error', () => {
  assert.equal(decodeRequestMetadata(encodeRoute('a.B.c'), ROUTING_MIME).route, 'a.B.c');
  assert.throws(() => decodeRequestMetadata(null, COMPOSITE_MIME), /route .* is required/);
  assert.throws(() => decodeRequestMetadata(encodeEntry(MESHLET_MIME, encodePairs([])), COMPOSITE_MIME), /no route/);
  assert.equal(decodeMimeType(encodeMimeType('application/x-protobuf')), 'application/x-protobuf');
  assert.equal(decodeMimeType(encodeMimeType('application/vnd.x+json')), 'application/vnd.x+json');
});

test('routes are <interface>.<method>; others name no method', () => {
  assert.equal(routeOf('com.a.B', 'c'), 'com.a.B.c');
  assert.deepEqual(parseRoute('com.a.B.c'), { interface: 'com.a.B', method: 'c' });
  for (const r of ['nodot', '.x', 'x.']) assert.throws(() => parseRoute(r), (e: unknown) => RpcError.is(e, Code.MethodNotFound));
});

test('meshlet entry: unknown reserved keys are skipped, bad timeouts refused', () => {
  const m = decodeMeshlet(encodePairs([[':future', 'x'], [':timeout', '15'], ['a', 'b'], [':goaway', '1']]));
  assert.equal(m.timeout, 15);
  assert.equal(m.goaway, true);
  assert.deepEqual({ ...m.attachments }, { a: 'b' });
  for (const v of ['-1', '1.5', '', 'x', '9'.repeat(20)]) {
    assert.throws(() => decodeMeshlet(encodePairs([[':timeout', v]])), (e: unknown) => RpcError.is(e, Code.BadRequest), v);
  }
});

test('fuzz: malformed metadata ends in a BAD_REQUEST error or a value, never anything else', () => {
  const valid = requestMetadataEncoder(Svc, go).encode(createInvocation(Svc, go, ['x'], { attachments: { a: 'b' } }));
  const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), fc.boolean()).map(([flips, cut, truncate]) => {
    const b = Buffer.from(valid);
    for (const [at, v] of flips) b[at % b.length] = v;
    return truncate ? b.subarray(0, cut % (b.length + 1)) : b;
  });
  const check = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(RpcError.is(err, Code.BadRequest), `unexpected ${String(err)}`);
    }
  };
  fc.assert(fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u))), (bytes) => {
    check(() => decodeRequestMetadata(bytes, COMPOSITE_MIME));
    check(() => decodeRequestMetadata(bytes, ROUTING_MIME));
    check(() => decodeComposite(bytes));
    check(() => decodeMeshlet(bytes));
    check(() => decodeRoutes(bytes));
    check(() => decodeMimeType(bytes));
  }), { numRuns: 3000 });
});
