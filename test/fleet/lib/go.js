// Go peers: packages of the test/fleet/go module, built from the Go module proxy into the fleet cache
// (module and build caches there too).
import { join } from 'node:path';
import { cacheDir, cached, root } from './cache.js';
import { run } from './run.js';
import { requireTool } from './toolchain.js';

const goDir = join(root, 'test', 'fleet', 'go');

export function goEnv() {
  return {
    ...process.env,
    GOMODCACHE: process.env.MESHLET_FLEET_GOMODCACHE ?? join(cacheDir, 'gomod'),
    GOCACHE: process.env.MESHLET_FLEET_GOCACHE ?? join(cacheDir, 'gocache'),
    GOFLAGS: '-mod=mod -buildvcs=false',
    CGO_ENABLED: '0',
  };
}

/** Builds `./cmd/<name>` once per content hash of the Go module; resolves with the binary's path. */
export async function goPeer(name) {
  requireTool('go');
  const dir = await cached(`go-${name}`, [goDir], async (out) => {
    await run('go', ['build', '-o', join(out, name), `./cmd/${name}`], { cwd: goDir, env: goEnv() });
  });
  return join(dir, name);
}

/**
 * Like goPeer, for a Go module of its own elsewhere in the repo (`moduleDir`, relative to the root,
 * e.g. `test/security/go`): builds its `./cmd/<name>` once per content hash of that module.
 */
export async function goModulePeer(moduleDir, name) {
  requireTool('go');
  const dir = join(root, moduleDir);
  const out = await cached(`go-${name}`, [dir], async (tmp) => {
    await run('go', ['build', '-o', join(tmp, name), `./cmd/${name}`], { cwd: dir, env: goEnv() });
  });
  return join(out, name);
}
