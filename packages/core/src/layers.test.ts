// Core's layers depend one way (ARCHITECTURE.md): model + SPIs (src/*.ts) → telemetry/ → engine/ →
// runtime/, generic/, interceptors/, plugins/. An import that goes up a layer fails here, with
// the file and the import named, so the folders keep telling the truth about the layers.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Tests run from dist/; the sources sit beside it.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const RANK: Readonly<Record<string, number>> = { '': 0, telemetry: 1, engine: 2, runtime: 3, generic: 3, interceptors: 3, plugins: 3, routing: 3 };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return name.endsWith('.ts') && !/\.(test|fixture|test\.util)\.ts$/.test(name) ? [path] : [];
  });
}

function layerOf(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0]! : '';
}

test('core imports go down the layers only (model+SPI, telemetry, engine, runtime)', () => {
  const files = sources(SRC);
  assert.ok(files.length > 40, `read ${files.length} files from ${SRC}`);
  const upward: string[] = [];
  for (const file of files) {
    if (relative(SRC, file) === 'index.ts') continue; // the root entry point re-exports every layer's public part
    const from = layerOf(file);
    assert.ok(from in RANK, `${relative(SRC, file)}: folder ${from} has no layer; add it to RANK and ARCHITECTURE.md`);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      const to = layerOf(target);
      if (RANK[to]! > RANK[from]!) upward.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(upward, []);
});
