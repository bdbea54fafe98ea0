import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Child } from './fixtures/helpers.js';

// Each child uses memory, static and local registries and then has nothing left to do. If close()
// (or, for `noclose`, the unref'd timers and non-persistent watcher) left a handle open, the child
// would not exit and the test would fail on its timeout.
describe('no open handles', () => {
  for (const mode of ['close', 'noclose']) {
    test(`a process exits by itself after using every registry (${mode})`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-exit-test-'));
      const child = new Child('./exit-child.js', [dir, mode]);
      try {
        assert.deepEqual(await child.exit(5000), { code: 0, signal: null });
        assert.deepEqual(child.lines, ['DONE']);
        assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.json')), []);
      } finally {
        child.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
