// Peer builds cached in a git-ignored folder, keyed by a hash of everything that decides the build
// (poms with their versions, go.mod/go.sum, sources): a version bump or a source edit rebuilds, a
// second run reuses. MESHLET_FLEET_CACHE moves the cache (CI may keep it between runs).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const cacheDir = process.env.MESHLET_FLEET_CACHE ?? join(root, '.cache', 'fleet');

const SKIP = new Set(['target', 'node_modules', '.git', 'bin']);

function files(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

/** A short hash of the contents (and relative names) of the files under `paths`. */
export function hashOf(paths) {
  const h = createHash('sha256');
  for (const p of paths) {
    for (const f of statSync(p).isDirectory() ? files(p) : [p]) {
      h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
    }
  }
  return h.digest('hex').slice(0, 12);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Returns `<cache>/<name>-<hash of inputs>`, running `build(tmpDir)` first when it is not there yet.
 * The build writes into a temporary folder renamed into place when it succeeds, so a killed build
 * never leaves a half-built peer behind; a lock folder keeps two test files from building at once.
 */
export async function cached(name, inputs, build) {
  const dir = join(cacheDir, `${name}-${hashOf(inputs)}`);
  if (existsSync(dir)) return dir;
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(dir)) return dir;
      // A lock older than 20 minutes was left by a killed build.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      await sleep(500);
    }
  }
  try {
    if (existsSync(dir)) return dir;
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    await build(tmp);
    renameSync(tmp, dir);
    // Builds of older inputs are dead weight (tens of MB each): keep only the current one.
    const stale = new RegExp(`^${name}-[0-9a-f]{12}$`);
    for (const other of readdirSync(cacheDir)) {
      if (stale.test(other) && join(cacheDir, other) !== dir) rmSync(join(cacheDir, other), { recursive: true, force: true });
    }
    console.error(`# fleet: built ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s → ${relative(root, dir)}`);
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
