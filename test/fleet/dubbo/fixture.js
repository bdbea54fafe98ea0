// Golden fixtures from real Dubbo peers: with MESHLET_DUBBO_CAPTURE=1 the suite writes what a relay
// saw, split into Dubbo frames (hex), into packages/transport-dubbo/src/fixtures/<module>-captured.json,
// which is committed and read by that package's golden tests. Without the flag nothing is written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/cache.js';

const dir = join(root, 'packages', 'transport-dubbo', 'src', 'fixtures');

/** Splits a byte stream into Dubbo frames (16-byte header, body length at offset 12). */
export function frames(bytes) {
  const out = [];
  let at = 0;
  while (at + 16 <= bytes.length) {
    if (bytes.readUInt16BE(at) !== 0xdabb) throw new Error(`no Dubbo magic at ${at}`);
    const end = at + 16 + bytes.readInt32BE(at + 12);
    if (end > bytes.length) throw new Error(`frame at ${at} runs past the capture`);
    out.push(bytes.subarray(at, end).toString('hex'));
    at = end;
  }
  if (at !== bytes.length) throw new Error(`${bytes.length - at} trailing bytes`);
  return out;
}

export function recordFixture(module, name, relay) {
  if (!process.env.MESHLET_DUBBO_CAPTURE) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${module}-captured.json`);
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all[name] = relay.connections.map((_, i) => ({ fromConsumer: frames(relay.bytes(i, 'fromClient')), fromProvider: frames(relay.bytes(i, 'fromServer')) }));
  writeFileSync(file, `${JSON.stringify(all, null, 1)}\n`);
}
