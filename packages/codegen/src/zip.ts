import { inflateRawSync } from 'node:zlib';
import { ByteReader } from './bytes.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Inflated entries larger than this are refused: a class in an API jar is kilobytes, a zip bomb is not. */
const MAX_ENTRY = 64 * 1024 * 1024;

/**
 * Reads the entries of a zip (a jar) whose names pass `want`, from the central directory: stored
 * and deflated entries (all a jar holds). Corrupt input is an INVALID_ARGUMENT RpcError.
 */
export function readZip(buf: Uint8Array, want: (name: string) => boolean, source = 'zip'): Map<string, Uint8Array> {
  const r: ByteReader = new ByteReader(buf, source, true);
  // The end-of-central-directory record is in the last 22 + 65535 bytes (its comment is at most 64 KiB).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf[i] === 0x50 && buf[i + 1] === 0x4b && buf[i + 2] === 0x05 && buf[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) r.fail('not a zip file (no end of central directory)');
  r.pos = eocd;
  if (r.u4() !== EOCD) r.fail('bad end of central directory');
  r.skip(6);
  const entries = r.u2();
  r.u4(); // size of the central directory
  const dirOffset = r.u4();
  if (dirOffset === 0xffffffff) r.fail('zip64 archives are not supported');
  const out = new Map<string, Uint8Array>();
  r.pos = dirOffset;
  for (let e = 0; e < entries; e++) {
    if (r.u4() !== CENTRAL) r.fail(`central directory entry ${e} has a bad signature`);
    r.skip(6);
    const method = r.u2();
    r.skip(8);
    const compressed = r.u4();
    const size = r.u4();
    const nameLen = r.u2();
    const extraLen = r.u2();
    const commentLen = r.u2();
    r.skip(8);
    const localOffset = r.u4();
    const name = Buffer.from(r.bytes(nameLen)).toString('utf8');
    r.skip(extraLen + commentLen);
    if (name.endsWith('/') || !want(name)) continue;
    if (size > MAX_ENTRY) r.fail(`${name}: ${size} bytes inflated is over the ${MAX_ENTRY} limit`);
    const back = r.pos;
    r.pos = localOffset;
    if (r.u4() !== LOCAL) r.fail(`${name}: bad local header signature`);
    r.skip(22);
    const localName = r.u2();
    const localExtra = r.u2();
    r.skip(localName + localExtra);
    const data = r.bytes(compressed);
    r.pos = back;
    let content: Uint8Array;
    if (method === 0) content = data;
    else if (method === 8) {
      try {
        content = inflateRawSync(data, { maxOutputLength: MAX_ENTRY });
      } catch (err) {
        r.fail(`${name}: cannot inflate (${(err as Error).message})`);
      }
    } else r.fail(`${name}: compression method ${method} is not supported`);
    if (content.length !== size) r.fail(`${name}: inflated to ${content.length} bytes, the directory says ${size}`);
    out.set(name, content);
  }
  return out;
}
