import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { md5Words } from './md5.js';

function reference(text: string): number[] {
  const d = createHash('md5').update(text, 'utf8').digest();
  return [0, 1, 2, 3].map((i) => d.readUInt32LE(i * 4));
}

test('RFC 1321 test vectors', () => {
  const hex = (s: string) => Buffer.from(new Uint32Array(md5Words(s)).buffer).toString('hex');
  assert.equal(hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(hex('a'), '0cc175b9c0f1b6a831c399e269772661');
  assert.equal(hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(hex('message digest'), 'f96b697d7cb7938d525a2f31aaf161d0');
  assert.equal(hex('12345678901234567890123456789012345678901234567890123456789012345678901234567890'), '57edf4a22be3c955ac49da2e2107b67a');
});

test('agrees with node:crypto on any well-formed string, every length across block edges', () => {
  for (let n = 0; n < 200; n++) assert.deepEqual([...md5Words('é'.repeat(n % 3) + 'x'.repeat(n))], reference('é'.repeat(n % 3) + 'x'.repeat(n)));
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
    assert.deepEqual([...md5Words(s)], reference(s));
  }), { numRuns: 2000 });
});

test('unpaired surrogates are hashed as "?" (Java getBytes), paired ones as their code point', () => {
  assert.deepEqual([...md5Words('a\ud83db')], reference('a?b'));
  assert.deepEqual([...md5Words('\ude00x\ud800')], reference('?x?'));
  assert.deepEqual([...md5Words('😀')], reference('😀'));
});
