// ReadyGate alone: bounded waits, a wait after a timeout, close before and after the first load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { ReadyGate } from './ready-gate.js';

const gate = (ms: number) =>
  new ReadyGate(ms, () => new RpcError(Code.Unavailable, 'late'), () => new RpcError(Code.Shutdown, 'closed'));

test('a wait times out with the given error; a later wait is bounded again and resolves on open', async () => {
  const g = gate(30);
  await assert.rejects(g.wait(), { code: 'UNAVAILABLE', message: 'late' });
  const again = g.wait();
  assert.equal(g.wait(), again, 'waits at the same time share one promise');
  g.open();
  await again;
  await g.wait();
  g.close(); // after the first load, ready stays ready
  await g.wait();
});

test('close() before the first load rejects the pending wait and every later one with SHUTDOWN', async () => {
  const g = gate(60_000); // a timer close() left behind would hold this file's process for a minute
  const pending = g.wait();
  g.close();
  await assert.rejects(pending, { code: 'SHUTDOWN' });
  await assert.rejects(g.wait(), { code: 'SHUTDOWN' });
  g.open(); // too late: stays closed
  await assert.rejects(g.wait(), { code: 'SHUTDOWN' });
});
