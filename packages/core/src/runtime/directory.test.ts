import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint, type Endpoint } from '../endpoint.js';
import type { EndpointBreakers } from '../breakers.js';
import type { Invocation } from '../invocation.js';
import type { Candidate, LoadBalancer } from '../load-balancer.js';
import type { Protocol, ProtocolClient } from '../protocol.js';
import { ClientPool } from './client-pool.js';
import { Directory } from './directory.js';
import { tagRouter } from './router.js';

/** Clients whose availability the test flips, counting how often anyone asks. */
function fakes() {
  const down = new Set<number>();
  let reads = 0;
  const protocol = {
    name: 'fake',
    createClient(e: Endpoint): ProtocolClient {
      return {
        endpoint: e,
        get available() { reads++; return !down.has(e.port); },
        invoke: async () => e.port,
        close: async () => {},
      } as unknown as ProtocolClient;
    },
  } as unknown as Protocol;
  return { pool: new ClientPool(new Map([['fake', protocol]]), {} as never), down, reads: () => reads };
}

const inv = { attachments: {}, deadline: Date.now() + 60_000 } as unknown as Invocation;
const list = (n: number, params: (i: number) => Record<string, string> = () => ({})) =>
  Array.from({ length: n }, (_, i) => endpoint('fake', '10.0.0.1', i + 1, params(i)));

/** Records the arrays it is handed, and picks uniformly. */
function spy(): LoadBalancer & { seen: Set<readonly Candidate[]> } {
  const seen = new Set<readonly Candidate[]>();
  return { name: 'spy', seen, pick: (c) => { seen.add(c); return c[Math.floor(Math.random() * c.length)]!; } };
}

test('5,000 endpoints: a pick reads no endpoint beyond the chosen one, and the balancer gets one stable array', async () => {
  const { pool, reads } = fakes();
  const lb = spy();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, lb, tagRouter(() => ({})), { endpoints: list(5000) });
  await dir.select(inv); // the first endpoint list, and the usable list built once
  const before = reads();
  for (let i = 0; i < 1000; i++) dir.select(inv);
  assert.equal(reads() - before, 1000, 'one availability check per call (the chosen member), not 5,000');
  assert.equal(lb.seen.size, 1);
  dir.close();
});

test('an endpoint that goes down is left out at once; one that comes back is used again within the recheck', async () => {
  const { pool, down } = fakes();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})), { endpoints: list(3) });
  await dir.select(inv);
  down.add(2);
  for (let i = 0; i < 300; i++) assert.notEqual((dir.select(inv) as { endpoint: Endpoint }).endpoint.port, 2);
  down.delete(2);
  await new Promise((r) => setTimeout(r, 80));
  const ports = new Set<number>();
  for (let i = 0; i < 300; i++) ports.add((dir.select(inv) as { endpoint: Endpoint }).endpoint.port);
  assert.ok(ports.has(2), 'the recovered endpoint is picked again');
  down.add(1); down.add(2); down.add(3);
  assert.ok(dir.select(inv), 'with every endpoint down one is still tried');
  dir.close();
});

test('a breaker that opens or closes is seen by the next pick (version), with no per-call scan', async () => {
  const { pool } = fakes();
  const open = new Set<number>();
  let version = 0;
  let asked = 0;
  const breakers: EndpointBreakers = {
    allows: (e) => { asked++; return !open.has(e.port); },
    invoke: (_e, invoker, i) => invoker(i),
    update: () => {},
    close: () => {},
    get version() { return version; },
  };
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})), { endpoints: list(100) }, breakers);
  await dir.select(inv);
  open.add(7); version++;
  for (let i = 0; i < 2000; i++) assert.notEqual((dir.select(inv) as { endpoint: Endpoint }).endpoint.port, 7);
  assert.ok(asked < 100 + 2000 + 200, `allows asked ${asked} times`);
  open.delete(7); version++;
  const ports = new Set<number>();
  for (let i = 0; i < 2000; i++) ports.add((dir.select(inv) as { endpoint: Endpoint }).endpoint.port);
  assert.ok(ports.has(7));
  dir.close();
});

test('tag routing over a kept list: tagged calls and untagged calls', async () => {
  const { pool } = fakes();
  const dir = new Directory({ interface: 'I' } as never, 'fake', pool, spy(), tagRouter(() => ({})),
    { endpoints: list(50, (i) => (i < 5 ? { 'dubbo.tag': 'canary' } : {} as Record<string, string>)) });
  await dir.select(inv);
  const tagged = { ...inv, attachments: { 'dubbo.tag': 'canary' } } as Invocation;
  for (let i = 0; i < 200; i++) {
    assert.ok((dir.select(tagged) as { endpoint: Endpoint }).endpoint.port <= 5);
    assert.ok((dir.select(inv) as { endpoint: Endpoint }).endpoint.port > 5);
  }
  dir.close();
});
