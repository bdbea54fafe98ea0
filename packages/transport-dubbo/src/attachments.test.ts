import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { AttachmentCache, readAttachments } from './attachments.js';

interface Message {
  readonly frame: Buffer;
  /** How many values come before the attachments. */
  readonly count: number;
}

/** A message of `before` (values written first, as the arguments are) and then the attachments `map`. */
function message(before: unknown[], map: unknown): Message {
  const w = new HessianWriter();
  w.reset();
  for (const v of before) w.writeValue(v);
  w.writeValue(map);
  return { frame: w.finishCopy(), count: before.length };
}

/** A reader past the values before the attachments (read, as the server reads the arguments, so their reference slots are taken). */
function readerAtAttachments(m: Message): HessianReader {
  const r = new HessianReader(m.frame);
  for (let i = 0; i < m.count; i++) r.readValue();
  return r;
}

function readCached(cache: AttachmentCache, m: Message): Record<string, string> {
  return cache.read(readerAtAttachments(m), m.frame);
}

function readPlain(m: Message): Record<string, string> {
  return readAttachments(readerAtAttachments(m));
}

test('attachment cache: the same bytes give an equal record each time, a new object each time, whatever the record it gave before became', () => {
  const cache = new AttachmentCache();
  const map = { path: 'com.example.Echo', interface: 'com.example.Echo', version: '1.0.0', timeout: '3000', ['x'.repeat(40)]: 'y'.repeat(300) };
  const m = message(['an argument', 42], map);
  const first = readCached(cache, m);
  assert.deepEqual({ ...first }, map);
  assert.equal(Object.getPrototypeOf(first), null);
  first.timeout = 'changed by an interceptor';
  first.added = 'too';
  for (let i = 0; i < 3; i++) {
    const again = readCached(cache, m);
    assert.notEqual(again, first);
    assert.deepEqual({ ...again }, map);
    assert.equal(Object.getPrototypeOf(again), null);
  }
});

test('attachment cache: any map reads as the uncached reader reads it, over many distinct maps, repeated and interleaved', () => {
  const cache = new AttachmentCache();
  const maps: unknown[] = [];
  for (let i = 0; i < 12; i++) maps.push({ path: 'p', timeout: String(1000 + i) });
  // Maps whose bytes depend on what came before them, or that are not all ASCII strings: decoded every time.
  const shared = ['a list', 'referenced twice'];
  maps.push(new Map<unknown, unknown>([['k', shared]]));
  maps.push({ timeout: 3000, retries: null, tag: 'é' });
  maps.push({ ['k'.repeat(2000)]: 'v' }); // past the cached size
  maps.push({});
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < maps.length; i++) {
      const before = i === 12 ? [shared] : [`argument ${round}`];
      const m = message(before, maps[i]);
      assert.deepEqual({ ...readCached(cache, m) }, { ...readPlain(m) }, `map ${i}, round ${round}`);
    }
  }
});

test('attachment cache: a back-reference inside the map means what the message before it says, never what a remembered map said', () => {
  const cache = new AttachmentCache();
  // Same attachment bytes (`H 'k' Q 0 Z`: a reference to the message's first list), different lists before them.
  const one = ['one'];
  const two = ['two'];
  const a = message([one], new Map<unknown, unknown>([['k', one]]));
  const b = message([two], new Map<unknown, unknown>([['k', two]]));
  const tail = (m: Message) => m.frame.subarray(readerAtAttachments(m).position);
  assert.ok(tail(a).equals(tail(b)), 'the attachment bytes are the same');
  assert.deepEqual({ ...readCached(cache, a) }, { k: 'one' });
  assert.deepEqual({ ...readCached(cache, b) }, { k: 'two' });
});
