import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isEntryFileName } from './entry.js';

/** Entries are a few hundred bytes; anything larger is not ours and is skipped unread. */
export const MAX_ENTRY_BYTES = 64 * 1024;

const TEMP_SUFFIX = '.tmp';

/**
 * Writes `name` atomically: a dot-prefixed temp file, then rename, so readers see the old
 * content or the new one and never a half-written file. Recreates the directory once if it vanished.
 */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  try {
    await writeAndRename(dir, name, text);
  } catch (err) {
    if (!isCode(err, 'ENOENT')) throw err;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeAndRename(dir, name, text);
  }
}

async function writeAndRename(dir: string, name: string, text: string): Promise<void> {
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path.join(dir, name));
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

// O_NONBLOCK: opening a FIFO someone dropped in the directory must not block a thread forever.
// O_NOFOLLOW: a symlink is not an entry.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Reads a small regular file; undefined when it is gone, not a regular file, too large or unreadable. */
export async function readEntryFile(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return undefined;
    // Reads at most the size stat reported: a file that grows meanwhile (a foreign writer) is cut
    // short and then fails to parse, which is the right outcome for it.
    const buf = Buffer.allocUnsafe(st.size);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buf.toString('utf8', 0, length);
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Unlinks a file; a file already gone is fine. */
export async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (!isCode(err, 'ENOENT')) throw err;
  }
}

export interface Listing {
  /** Entry file names, sorted. */
  readonly entries: string[];
  /** Temp files (possibly left by a writer that died between write and rename). */
  readonly temps: string[];
}

/** Lists the directory; throws when it cannot be read. */
export async function listDirectory(dir: string): Promise<Listing> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries: string[] = [];
  const temps: string[] = [];
  for (const d of dirents) {
    if (!d.isFile()) continue;
    if (isEntryFileName(d.name)) entries.push(d.name);
    else if (d.name.startsWith('.') && d.name.endsWith(TEMP_SUFFIX)) temps.push(d.name);
  }
  entries.sort();
  return { entries, temps };
}

/** Removes temp files older than `maxAgeMs`: a live writer renames its temp file within milliseconds. */
export async function removeStaleTemps(dir: string, temps: readonly string[], maxAgeMs: number, now: number): Promise<void> {
  await Promise.all(
    temps.map(async (name) => {
      const file = path.join(dir, name);
      try {
        const st = await stat(file);
        if (now - st.mtimeMs > maxAgeMs) await removeFile(file);
      } catch {
        // gone or unreadable: someone else's business
      }
    }),
  );
}

export function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
