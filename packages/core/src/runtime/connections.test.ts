import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint, type Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import { ClientPool } from './client-pool.js';
import { checkConnections, ConnectionSet, connectionsOf } from './connections.js';

const inv = {} as Invocation;

/** A client that holds its calls until released, counting them as `pendingCount`. */
function held(id: number, e: Endpoint = endpoint('fake', '10.0.0.1', 1)) {
  const waiting: (() => void)[] = [];
  const c = {
    id, endpoint: e, available: true, closed: false,
    get pendingCount() { return waiting.length; },
    invoke: () => new Promise<unknown>((resolve) => waiting.push(() => resolve(id))),
    close: async () => { c.closed = true; },
    release: () => waiting.shift()!(),
  };
  return c;
}

test('a connection set sends each call on the live connection with the fewest of its calls in flight, the first on ties', async () => {
  const [a, b, c] = [held(0), held(1), held(2)];
  const set = new ConnectionSet([a, b, c]);
  const first = [set.invoke(inv), set.invoke(inv), set.invoke(inv)];
  assert.deepEqual([a.pendingCount, b.pendingCount, c.pendingCount], [1, 1, 1], 'one each');
  b.available = false;
  void set.invoke(inv); void set.invoke(inv);
  assert.deepEqual([a.pendingCount, b.pendingCount, c.pendingCount], [2, 1, 2], 'not on the one that is down');
  a.release(); a.release();
  await new Promise((r) => setImmediate(r)); // the set counts a call out when its promise settles
  void set.invoke(inv);
  assert.equal(a.pendingCount, 1, 'the one with nothing waiting');
  assert.equal(set.pendingCount, 4);
  assert.equal(set.available, true);
  a.available = c.available = false;
  assert.equal(set.available, false);
  b.release(); c.release();
  assert.deepEqual(await Promise.all(first), [0, 1, 2]);
  await set.close();
  assert.ok(a.closed && b.closed && c.closed, 'close closes every connection');
});

test('the pool gives an address N clients when asked (reference, endpoint URL, runtime), shared by references wanting the same N', async () => {
  const made: ProtocolClient[] = [];
  const protocol = { name: 'fake', createClient: (e: Endpoint) => { const c = held(made.length, e); made.push(c); return c; } } as unknown as Protocol;
  const pool = new ClientPool(new Map([['fake', protocol]]), {}, 2);
  const e = endpoint('fake', '10.0.0.1', 1);
  const runtimeWide = pool.acquire(e);
  assert.equal(made.length, 2, 'the runtime’s 2');
  assert.equal(pool.acquire(e), runtimeWide, 'shared');
  const four = pool.acquire(e, 4);
  assert.equal(made.length, 6, 'a reference asking 4 gets its own 4');
  assert.equal(pool.acquire(endpoint('fake', '10.0.0.1', 1, { connections: '4' })), four, 'the URL’s connections=4: the same set');
  assert.equal(pool.acquire(endpoint('fake', '10.0.0.2', 1, { connections: '0' })).key, 'fake://10.0.0.2:1', 'connections=0 (Dubbo: shared) is one');
  pool.release(four); pool.release(four);
  assert.equal(made.slice(2, 6).every((c) => (c as unknown as { closed: boolean }).closed), true, 'the last reference out closes all four');
  await pool.close();
  assert.equal(made.every((c) => (c as unknown as { closed: boolean }).closed), true);
});

test('a bad connections setting in code is INVALID_ARGUMENT, saying where; in an endpoint URL it is ignored', () => {
  for (const bad of [0, -1, 1.5, 65, Number.NaN]) {
    assert.throws(() => checkConnections(bad, 'refer demo.Echo'), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && /refer demo\.Echo: connections must be/.test((e as Error).message));
  }
  assert.equal(checkConnections(8, 'x'), 8);
  assert.equal(connectionsOf(endpoint('dubbo', 'h', 1)), undefined);
  assert.equal(connectionsOf(endpoint('dubbo', 'h', 1, { connections: '3' })), 3);
  assert.equal(connectionsOf(endpoint('dubbo', 'h', 1, { connections: 'many' })), undefined, 'a provider’s odd parameter is ignored, not fatal');
  assert.equal(connectionsOf(endpoint('dubbo', 'h', 1, { connections: '1000' })), undefined);
});
