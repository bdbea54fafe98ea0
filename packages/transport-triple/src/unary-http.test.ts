import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { Code, RpcError, defineService, t, type Meshlet } from '@meshlet/core';
import { protobufMethods } from './protobuf.js';
import { GrpcStatus, withStatusDetails } from './status.js';
import { provider } from './testing.fixture.js';
import { unaryError, unaryTimeout } from './unary-http.js';

test('unaryTimeout: tri-service-timeout, else connect-timeout-ms, as 1-10 digit milliseconds', () => {
  assert.equal(unaryTimeout({ 'tri-service-timeout': '3000' }), 3000);
  assert.equal(unaryTimeout({ 'connect-timeout-ms': '250' }), 250);
  assert.equal(unaryTimeout({ 'tri-service-timeout': '3000', 'connect-timeout-ms': '1' }), 3000);
  for (const bad of ['', '-1', '1.5', '3S', '12345678901', ' 5']) assert.equal(unaryTimeout({ 'tri-service-timeout': bad }), undefined, bad);
  assert.equal(unaryTimeout({}), undefined);
});

test('unaryError: any status, message and details round-trip through its JSON', () => {
  const detail = fc.record({ typeUrl: fc.string({ minLength: 1 }).map((s) => `type.googleapis.com/${s.replace(/\//g, '')}`), value: fc.uint8Array({ maxLength: 64 }) });
  fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.string(), fc.array(detail, { maxLength: 3 }), (status, message, details) => {
    const { headers, body } = unaryError(status, message, details);
    assert.ok([400, 401, 403, 404, 408, 409, 412, 429, 500, 503].includes(headers[':status'] as number));
    assert.equal(headers['content-type'], 'application/json');
    const json = JSON.parse(body.toString());
    assert.equal(json.status, status);
    assert.match(json.code, /^[a-z_]+$/);
    assert.equal(json.message, message);
    assert.deepEqual((json.details ?? []).map((d: { type: string; value: string }) => [d.type, [...Buffer.from(d.value, 'base64')]]),
      details.map((d) => [d.typeUrl.slice(d.typeUrl.lastIndexOf('/') + 1), [...d.value]]));
  }));
});

describe('a provider answering HTTP-style unary requests', () => {
  const root = protobuf.parse(`syntax = "proto3"; package u; message M { string s = 1; }
    service P { rpc Echo (M) returns (M); rpc Fail (M) returns (M); rpc Stream (M) returns (stream M); }`).root;
  const M = root.lookupType('u.M');
  const P = defineService({ interface: 'u.P', methods: protobufMethods(root.lookupService('u.P')) });
  const W = defineService({ interface: 'u.W', methods: { hi: { params: [t.string], returns: t.string } } });
  let mesh: Meshlet;
  let session: http2.ClientHttp2Session;
  before(async () => {
    const p = await provider([
      [P, {
        Echo: (m: { s: string }) => ({ s: `${m.s}!` }),
        Fail: () => {
          throw withStatusDetails(new RpcError(Code.Business, 'nope: ü'), [{ typeUrl: 'type.googleapis.com/x.D', value: Buffer.from([0, 255]) }], GrpcStatus.PERMISSION_DENIED);
        },
        async *Stream() {
          yield { s: 'never' };
        },
      }],
      [W, { hi: (s: string) => s }],
    ], { triple: { maxMessageSize: 1024 } });
    mesh = p.mesh;
    session = http2.connect(`http://${p.url}`);
  });
  after(async () => {
    session?.close();
    await mesh?.stop(0);
  });

  function call(path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<{ status: number; type: string | undefined; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/proto', ...headers });
      const chunks: Buffer[] = [];
      let h: http2.IncomingHttpHeaders = {};
      req.on('response', (r) => (h = r));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status: Number(h[':status']), type: h['content-type'] as string | undefined, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      req.end(body);
    });
  }
  const json = (r: { body: Buffer }) => JSON.parse(r.body.toString());

  test('a call: HTTP 200 and the bare message', async () => {
    const r = await call('/u.P/Echo', Buffer.from(M.encode({ s: 'hi' }).finish()));
    assert.deepEqual([r.status, r.type], [200, 'application/proto']);
    assert.equal((M.decode(r.body) as unknown as { s: string }).s, 'hi!');
  });

  test('a failure: the status, message and details as JSON under the HTTP status', async () => {
    const r = await call('/u.P/Fail', Buffer.alloc(0));
    assert.deepEqual([r.status, r.type], [403, 'application/json']);
    assert.deepEqual(json(r), { status: 7, code: 'permission_denied', message: 'nope: ü', details: [{ type: 'x.D', value: 'AP8' }] });
  });

  test('bad input is refused typed, before any method runs', async () => {
    const cases: [string, Buffer, http2.OutgoingHttpHeaders, number, number][] = [
      ['/u.P/Echo', Buffer.from([0x0a, 0x05, 0x61]), {}, 400, GrpcStatus.INVALID_ARGUMENT], // truncated message
      ['/u.P/Echo', Buffer.alloc(2000, 1), {}, 429, GrpcStatus.RESOURCE_EXHAUSTED], // over maxMessageSize
      ['/u.P/Echo', Buffer.alloc(0), { 'content-encoding': 'br' }, 404, GrpcStatus.UNIMPLEMENTED],
      ['/u.P/Nope', Buffer.alloc(0), {}, 404, GrpcStatus.UNIMPLEMENTED],
      ['/u.P/Stream', Buffer.alloc(0), {}, 404, GrpcStatus.UNIMPLEMENTED], // streams are gRPC only
      ['/u.W/hi', Buffer.alloc(0), {}, 404, GrpcStatus.UNIMPLEMENTED], // wrapped (hessian) methods too
    ];
    for (const [path, body, headers, http, status] of cases) {
      const r = await call(path, body, headers);
      assert.equal(r.status, http, `${path} ${JSON.stringify(headers)}: ${r.body}`);
      assert.equal(json(r).status, status, `${path}: ${r.body}`);
    }
    const j = await call('/u.P/Echo', Buffer.from('{}'), { 'content-type': 'application/json' });
    assert.equal(j.status, 415);
  });
});
