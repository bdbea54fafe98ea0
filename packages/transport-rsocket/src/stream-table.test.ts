import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { defineService, t, type Meshlet } from '@meshlet/core';
import { SlotSet, StreamTable, installStreamTables } from './stream-table.js';
import { provider, rawClient } from './testing.fixture.js';

test('property: StreamTable behaves as a Map of stream ids, collisions and laps included', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), id: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 0x7fffffff })), v: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 5000 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
    const table = new StreamTable<number>();
    const model = new Map<number, number>();
    for (const o of ops) {
      if (o.kind === 'set') {
        table.set(o.id, o.v);
        model.set(o.id, o.v);
      } else {
        assert.equal(table.delete(o.id), model.delete(o.id));
      }
      assert.equal(table.size, model.size);
    }
    for (const [id, v] of model) {
      assert.equal(table.get(id), v);
      assert.ok(table.has(id));
    }
    const seen = new Map<number, number>();
    table.forEach((v, id) => seen.set(id, v));
    assert.deepEqual([...seen].sort((a, b) => a[0] - b[0]), [...model].sort((a, b) => a[0] - b[0]));
    table.clear();
    assert.equal(table.size, 0);
  }));
});

test('SlotSet: add, delete, snapshot, slots reused', () => {
  const set = new SlotSet<{ slot: number; n: number }>();
  const items = Array.from({ length: 5 }, (_, n) => ({ slot: -1, n }));
  for (const x of items) set.add(x);
  set.delete(items[1]!);
  set.delete(items[1]!);
  assert.equal(set.size, 4);
  const again = { slot: -1, n: 9 };
  set.add(again);
  assert.equal(again.slot, 1);
  assert.deepEqual(set.snapshot().map((x) => x.n).sort(), [0, 2, 3, 4, 9]);
});

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

test('rsocket-core still has the shape the stream tables replace (a canary for version changes)', async () => {
  const S = defineService({ interface: 'x.S', methods: { f: { params: [], returns: t.void } } });
  const p = await provider([[S, { f: () => undefined }]]);
  open.push(p.mesh);
  const socket = await rawClient(p.port);
  assert.equal(installStreamTables((socket as unknown as { _machine: unknown })._machine), true);
  socket.close();
});
