// Packs the monorepo's publishable workspaces the way `npm publish` would, for the install suites.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Every workspace that is not private (packages added later are picked up): `{ dir, manifest }`. */
export function publishableWorkspaces() {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
    .filter((w) => !w.manifest.private);
}

/** `npm pack` of every workspace into `dest`: `[{ name, filename, files }]` (npm's --json report). */
export function packAll(dest) {
  const args = ['pack', '--json', '--pack-destination', dest, ...publishableWorkspaces().flatMap((w) => ['-w', w.dir])];
  const out = execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out).map((p) => ({ name: p.name, filename: join(dest, p.filename), files: p.files.map((f) => f.path) }));
}

/** `name` and every workspace package it depends on, transitively. */
export function workspaceClosure(name) {
  const byName = new Map(publishableWorkspaces().map((w) => [w.manifest.name, w.manifest]));
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n) || !byName.has(n)) return;
    seen.add(n);
    for (const d of Object.keys(byName.get(n).dependencies ?? {})) visit(d);
  };
  visit(name);
  return [...seen];
}
