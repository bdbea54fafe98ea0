import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HessianReader } from './reader.js';
import { HessianWriter } from './writer.js';

test('takeFrame: headroom plus message, owned by the caller; a large one is handed over, not copied, and the writer goes on intact', () => {
  const w = new HessianWriter();
  const big = 'x'.repeat(200_000);
  w.reset(16).writeString(big);
  const first = w.takeFrame();
  assert.equal(new HessianReader(first.subarray(16)).readValue(), big);
  // The next message must not overwrite the frame handed out (it owns that memory now).
  const before = Buffer.from(first);
  w.reset(16).writeString('y'.repeat(200_000));
  const second = w.takeFrame();
  assert.ok(first.equals(before), 'the first frame is untouched by the next message');
  assert.notEqual(first.buffer, second.buffer);
  // A small message is a copy that outlives the writer's next use too.
  w.reset(16).writeString('small');
  const small = w.takeFrame();
  w.reset(16).writeString('other');
  assert.equal(new HessianReader(small.subarray(16)).readValue(), 'small');
});

test('takeFrame: small frames cut from writers\' buffers stay intact across buffer boundaries and other writers', () => {
  const a = new HessianWriter();
  const b = new HessianWriter();
  const frames: [Buffer, string][] = [];
  // Enough for several 256 KiB slabs, of sizes that do not divide them evenly.
  for (let i = 0; i < 2000; i++) {
    const w = i % 2 === 0 ? a : b;
    const s = `${i}:${'z'.repeat((i * 37) % 900)}`;
    w.reset(16).writeString(s);
    frames.push([w.takeFrame(), s]);
  }
  for (const [f, s] of frames) assert.equal(new HessianReader(f.subarray(16)).readValue(), s);
});

test('takeFrame: a message that outgrows the room left after taken frames moves to a new buffer; earlier frames, views and the message stay intact', () => {
  const w = new HessianWriter({ initialCapacity: 64 });
  const frames: [Buffer, unknown][] = [];
  const copies: Buffer[] = [];
  // Sizes from a few bytes to past the 64 KiB hand-over, so messages start at every kind of offset.
  for (let i = 0; i < 600; i++) {
    const v = i % 50 === 49 ? ['big', 'q'.repeat(70_000 + i)] : [i, 'y'.repeat((i * 101) % 20_000)];
    w.reset(16).writeValue(v);
    // finish() is a view of the message alone, whatever the offset it was written at.
    assert.deepEqual(new HessianReader(w.finish()).readValue(), v);
    const length = w.length;
    assert.equal(length, w.finish().length);
    const f = w.takeFrame();
    assert.equal(f.length, 16 + length, 'the frame is the headroom and the message');
    frames.push([f, v]);
    copies.push(Buffer.from(f));
  }
  for (let i = 0; i < frames.length; i++) {
    const [f, v] = frames[i]!;
    assert.ok(f.equals(copies[i]!), `frame ${i} untouched by the messages after it`);
    assert.deepEqual(new HessianReader(f.subarray(16)).readValue(), v);
  }
});
