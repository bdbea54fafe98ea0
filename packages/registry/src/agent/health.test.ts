import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { freePort } from '../testing/free-port.js';
import { FakeAgent, pingProbe } from './fake-agent.test.util.js';
import { HealthMonitor, probeOnce } from './health.js';

describe('heartbeat probe', () => {
  test('resolves on the heartbeat reply', async () => {
    const agent = await FakeAgent.start();
    try {
      await probeOnce('127.0.0.1', agent.tcpPort, pingProbe, 500);
    } finally {
      await agent.down();
    }
  });

  test('nobody listening: UNAVAILABLE naming the address and protocol', async () => {
    const port = await freePort();
    await assert.rejects(probeOnce('127.0.0.1', port, pingProbe, 500), (err: unknown) =>
      RpcError.is(err, Code.Unavailable) && err.message.includes(`dubbo heartbeat to 127.0.0.1:${port}`));
  });

  test('a listener that never answers: UNAVAILABLE after the timeout', async () => {
    const agent = await FakeAgent.start();
    agent.answersHeartbeats = false;
    try {
      const t0 = Date.now();
      await assert.rejects(probeOnce('127.0.0.1', agent.tcpPort, pingProbe, 150), /no reply within 150 ms/);
      assert.ok(Date.now() - t0 >= 140);
    } finally {
      await agent.down();
    }
  });

  test('an answer that is not a heartbeat reply: UNAVAILABLE', async () => {
    const server = net.createServer((s) => s.on('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      await assert.rejects(probeOnce('127.0.0.1', (server.address() as net.AddressInfo).port, pingProbe, 500), /not a heartbeat reply/);
    } finally {
      server.close();
    }
  });
});

describe('health monitor', () => {
  test('up after one success; down only after the re-checks fail; events on every flip', async () => {
    let fail = false;
    let calls = 0;
    const m = new HealthMonitor(async () => {
      calls++;
      if (fail) throw new RpcError(Code.Unavailable, 'gone');
    }, { intervalMs: 60_000, retries: 2, retryDelayMs: 5 });
    const events: string[] = [];
    m.on('change', (up, err) => events.push(up ? 'up' : `down:${err?.message}`));
    assert.equal(m.up, undefined);
    assert.equal(await m.start(), true);
    fail = true;
    calls = 0;
    assert.equal(await m.checkNow(), false);
    assert.equal(calls, 3, 'the first failure and two quick re-checks');
    calls = 0;
    assert.equal(await m.checkNow(), false);
    assert.equal(calls, 1, 'already down: no re-checks');
    fail = false;
    assert.equal(await m.checkNow(), true);
    assert.deepEqual(events, ['up', 'down:gone', 'up']);
    m.stop();
  });

  test('one flaky failure among the re-checks does not flip the verdict', async () => {
    let n = 0;
    const m = new HealthMonitor(async () => {
      if (n++ === 1) throw new Error('blip');
    }, { intervalMs: 60_000, retries: 2, retryDelayMs: 1 });
    const events: boolean[] = [];
    m.on('change', (up) => events.push(up));
    await m.start();
    await m.checkNow();
    await m.checkNow();
    assert.deepEqual(events, [true]);
    m.stop();
  });

  test('concurrent checkNow calls share one check', async () => {
    let calls = 0;
    const m = new HealthMonitor(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
    }, { intervalMs: 60_000 });
    await Promise.all([m.checkNow(), m.checkNow(), m.checkNow()]);
    assert.equal(calls, 1);
    m.stop();
  });
});
