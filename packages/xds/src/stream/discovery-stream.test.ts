// The discovery stream's state machine against an in-process grpc-js xDS server: what each request
// carries (first request, ACK, NACK), what is kept when a response is bad or the stream breaks.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DiscoveryStream } from './discovery-stream.js';
import { FakeXdsServer, eventually } from '../testing/fake-xds-server.js';
import type { AnyResource } from './xds-messages.js';

const TYPE = 'type.googleapis.com/test.Thing';
// Any bidi method serves: the stream names its path; SDS's is the one Istio's agent serves.
const SDS_PATH = '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets';
const thing = (s: string): AnyResource => ({ typeUrl: TYPE, value: Buffer.from(s) });

// A stream whose accept() reads each resource as text and refuses the word "bad".
function subscribe(server: FakeXdsServer, accepted: string[][] = []) {
  const stream = new DiscoveryStream<string[]>({
    target: server.target,
    method: SDS_PATH,
    typeUrl: TYPE,
    resourceNames: ['a', 'b'],
    node: { id: 'node-1', cluster: 'c1' },
    accept: (resources) => {
      const values = resources.map((r) => Buffer.from(r.value).toString());
      if (values.includes('bad')) throw new Error('a bad thing');
      return values;
    },
    onAccepted: (value) => accepted.push(value),
    backoff: { initial: 20, max: 100 },
  });
  return stream.start();
}

/** A server, a stream on it (stopped and closed after the test), and `x` pushed as `version` and ACKed. */
async function ackedX(t: TestContext, version: string) {
  const server = await new FakeXdsServer(SDS_PATH).start();
  t.after(() => server.stop());
  const stream = subscribe(server);
  t.after(() => stream.close());
  await server.request(0, 0);
  server.push(version, [thing('x')], TYPE);
  await server.request(0, 1);
  return { server, stream };
}

test('first request, ACK of a good response, NACK of a refused one with the last good version', async (t) => {
  const server = await new FakeXdsServer(SDS_PATH).start();
  t.after(() => server.stop());
  const accepted: string[][] = [];
  const stream = subscribe(server, accepted);
  t.after(() => stream.close());

  const first = await server.request(0, 0);
  assert.deepEqual(
    { v: first.versionInfo, nonce: first.responseNonce, names: first.resourceNames, type: first.typeUrl, node: first.node, err: first.errorDetail },
    { v: '', nonce: '', names: ['a', 'b'], type: TYPE, node: { id: 'node-1', cluster: 'c1' }, err: undefined },
  );

  const n1 = server.push('1', [thing('x'), thing('y')], TYPE);
  const ack = await server.request(0, 1);
  assert.equal(ack.versionInfo, '1');
  assert.equal(ack.responseNonce, n1);
  assert.equal(ack.errorDetail, undefined);
  assert.equal(ack.node, undefined); // the node goes in a stream's first request only
  assert.deepEqual(accepted, [['x', 'y']]);

  const n2 = server.push('2', [thing('bad')], TYPE);
  const nack = await server.request(0, 2);
  assert.equal(nack.versionInfo, '1');
  assert.equal(nack.responseNonce, n2);
  assert.deepEqual(nack.errorDetail, { code: 3, message: 'a bad thing' });
  assert.deepEqual(stream.current, ['x', 'y']);
  assert.deepEqual(accepted, [['x', 'y']]);

  const s = stream.status();
  assert.equal(s.version, '1');
  assert.equal(s.acks, 1);
  assert.equal(s.nacks, 1);
  assert.equal(s.state, 'open');
  assert.match(s.lastError!.message, /rejected: a bad thing/);
});

test('bytes that are no DiscoveryResponse and a response of another type are NACKed, nothing crashes', async (t) => {
  const { server, stream } = await ackedX(t, '1');

  server.pushRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff])); // field 1, a length running past the end
  const nack = await server.request(0, 2);
  assert.equal(nack.versionInfo, '1');
  assert.equal(nack.responseNonce, '');
  assert.ok(nack.errorDetail && nack.errorDetail.message.length > 0);

  const n = server.push('2', [thing('y')], 'type.googleapis.com/other.Type');
  const nack2 = await server.request(0, 3);
  assert.equal(nack2.responseNonce, n);
  assert.match(nack2.errorDetail!.message, /other\.Type/);
  assert.deepEqual(stream.current, ['x']);
  assert.equal(stream.status().nacks, 2);
});

test('a broken stream is reopened with the last accepted version and no nonce; the value is kept meanwhile', async (t) => {
  const { server, stream } = await ackedX(t, '7');

  server.breakStream();
  const again = await server.request(1, 0);
  assert.equal(again.versionInfo, '7');
  assert.equal(again.responseNonce, '');
  assert.deepEqual(again.node, { id: 'node-1', cluster: 'c1' });
  assert.deepEqual(stream.current, ['x']);
  assert.match(stream.status().lastError!.message, /broke: going away/);
  assert.equal(stream.status().streams, 2);

  // A server that ends the stream with OK is reconnected to as well (an xDS stream has no end).
  server.push('8', [thing('y')], TYPE);
  await server.request(1, 1);
  server.breakStream(0);
  const third = await server.request(2, 0);
  assert.equal(third.versionInfo, '8');
  assert.deepEqual(stream.current, ['y']);
});

test('close() during backoff: no stream opens afterwards, status says closed', async (t) => {
  const server = await new FakeXdsServer(SDS_PATH).start();
  t.after(() => server.stop());
  const stream = new DiscoveryStream<string[]>({
    target: server.target,
    method: SDS_PATH,
    typeUrl: TYPE,
    resourceNames: ['a'],
    accept: () => [],
    backoff: { initial: 60_000, max: 60_000, jitter: 0 }, // the retry would come long after the test
  }).start();
  await server.request(0, 0);
  server.breakStream();
  await eventually(() => stream.status().state === 'backoff', 'the stream to see the break');
  stream.close();
  assert.equal(stream.status().state, 'closed');
  stream.close(); // twice is fine
  // If close() left the 60 s timer behind, this file's process would not exit and the run would hang.
});
