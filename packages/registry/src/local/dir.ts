import { lstat, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument } from '../validate.js';

/** Where a local registry lives when nobody says: `$MESHLET_LOCAL_REGISTRY_DIR`, else a per-user temp folder. */
export function defaultLocalDirectory(): { dir: string; shared: boolean } {
  const fromEnv = process.env.MESHLET_LOCAL_REGISTRY_DIR;
  if (fromEnv) return { dir: path.resolve(fromEnv), shared: false };
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  return { dir: path.join(os.tmpdir(), `meshlet-registry-${user}`), shared: true };
}

/**
 * Creates the directory (0700) when missing. In a shared temp folder another user could have
 * created it first and so feed us endpoints; `checkOwner` refuses a directory that is not ours or
 * that others may write.
 */
export async function ensureDirectory(dir: string, checkOwner: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!checkOwner || typeof process.getuid !== 'function') return;
  const st = await lstat(dir);
  if (!st.isDirectory()) throw invalidArgument(`local registry directory ${dir} is not a directory`);
  if (st.uid !== process.getuid()) throw invalidArgument(`local registry directory ${dir} belongs to uid ${st.uid}, not to this user`);
  if ((st.mode & 0o022) !== 0) throw invalidArgument(`local registry directory ${dir} is writable by other users`);
}
