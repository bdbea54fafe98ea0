// Golden fixtures from motan-go: with MESHLET_MOTAN_GO_CAPTURE=1 the suites write what a relay saw,
// split into Motan2 frames (hex), into packages/transport-motan/src/fixtures/motan-go-captured.json,
// which is committed and read by that package's golden tests. Without the flag nothing is written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/cache.js';

const dir = join(root, 'packages', 'transport-motan', 'src', 'fixtures');

/** Splits a byte stream into Motan2 frames (13-byte header, meta length, meta, body length, body). */
export function frames(bytes) {
  const out = [];
  let at = 0;
  while (at + 21 <= bytes.length) {
    if (bytes.readUInt16BE(at) !== 0xf1f1) throw new Error(`no Motan magic at ${at}`);
    const metaEnd = at + 17 + bytes.readUInt32BE(at + 13);
    const end = metaEnd + 4 + bytes.readUInt32BE(metaEnd);
    if (end > bytes.length) throw new Error(`frame at ${at} runs past the capture`);
    out.push(bytes.subarray(at, end).toString('hex'));
    at = end;
  }
  if (at !== bytes.length) throw new Error(`${bytes.length - at} trailing bytes`);
  return out;
}

/** Frames of one side of every connection a relay saw, in order. */
export function sideFrames(relay, side) {
  return relay.connections.flatMap((_, i) => frames(relay.bytes(i, side)));
}

/** Records `frames` (an object of named frame lists) under `name` when capturing. */
export function recordFixture(name, entry) {
  if (!process.env.MESHLET_MOTAN_GO_CAPTURE) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'motan-go-captured.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all[name] = entry;
  writeFileSync(file, `${JSON.stringify(all, null, 1)}\n`);
}
