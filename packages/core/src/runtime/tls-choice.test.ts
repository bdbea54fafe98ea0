// The client pool's per-endpoint TLS choice (dialsTls) and its keys: a TLS and a plaintext client
// to one address are two pool entries, each made with its own options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpoint, type Endpoint } from '../endpoint.js';
import type { ClientOptions, Protocol, ProtocolClient } from '../protocol.js';
import { ClientPool, dialsTls } from './client-pool.js';

const at = (params: Record<string, string> = {}) => endpoint('fake', '10.0.0.1', 1, params);

test('dialsTls: by default TLS unless the endpoint says false; strict always; permissive where said (and a direct url)', () => {
  const byDefault = {};
  const strict = { mode: 'strict' as const };
  const auto = { mode: 'permissive' as const };
  const rows: [object, Record<string, string>, boolean, boolean][] = [
    // tls options, endpoint params, direct, dials TLS
    [byDefault, {}, false, true], // a Java Dubbo 3 provider with an SslConfig advertises nothing
    [byDefault, {}, true, true],
    [byDefault, { 'ssl-enabled': 'false' }, false, false],
    [byDefault, { tls: 'false' }, true, false],
    [byDefault, { 'ssl-enabled': 'yes' }, false, true], // only true/false are read
    [auto, {}, false, false],
    [auto, {}, true, true],
    [auto, { 'ssl-enabled': 'true' }, false, true],
    [auto, { 'ssl-enabled': 'false' }, true, false],
    [auto, { tls: 'true' }, false, true],
    [auto, { tls: 'false' }, true, false],
    [auto, { 'ssl-enabled': 'yes' }, false, false],
    [strict, {}, false, true],
    [strict, { tls: 'false' }, true, true],
  ];
  for (const [tls, params, direct, want] of rows) {
    assert.equal(dialsTls(tls, at(params), direct), want, JSON.stringify({ tls, params, direct }));
  }
});

test('the pool keeps TLS and plaintext clients to one address apart, each with its own options', async () => {
  const made: { endpoint: Endpoint; options: ClientOptions | undefined }[] = [];
  const protocol = {
    name: 'fake',
    createClient: (e: Endpoint, options?: ClientOptions) => {
      made.push({ endpoint: e, options });
      return { endpoint: e, available: true, invoke: async () => undefined, close: async () => {} } as unknown as ProtocolClient;
    },
  } as unknown as Protocol;
  const tls = { ca: 'x', mode: 'permissive' as const };
  const pool = new ClientPool(new Map([['fake', protocol]]), { tls, connectTimeout: 5 });
  const secure = pool.acquire(at({ 'ssl-enabled': 'true' }));
  const plain = pool.acquire(at());
  const direct = pool.acquire(at(), undefined, true);
  assert.equal(secure.key, 'fake://10.0.0.1:1+tls');
  assert.equal(plain.key, 'fake://10.0.0.1:1');
  assert.equal(direct, secure, 'a direct url shares the TLS client');
  assert.equal(made.length, 2);
  assert.equal(made[0]!.options?.tls, tls);
  assert.equal(made[1]!.options?.tls, undefined, 'the plaintext client has no TLS options');
  assert.equal(made[1]!.options?.connectTimeout, 5, 'and keeps the others');
  // Without client TLS nothing changes: one key, the options as given.
  const bare = new ClientPool(new Map([['fake', protocol]]), {});
  assert.equal(bare.acquire(at({ 'ssl-enabled': 'true' })).key, 'fake://10.0.0.1:1');
  await pool.close();
  await bare.close();
});
