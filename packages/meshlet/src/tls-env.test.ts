// MESHLET_TLS_* read into TLS options (the files themselves: test/security/rotation.test.js).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { tlsFromEnv } from './tls-env.js';

const dir = mkdtempSync(join(tmpdir(), 'meshlet-tls-env-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('MESHLET_TLS_DIR: mTLS on both sides from one source; strict by default; identities for the client', () => {
  const env = tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_IDENTITIES: ' spiffe://a/b , dns.example,,' }, false, false);
  try {
    assert.ok(env.source);
    assert.equal(env.server?.source, env.source);
    assert.equal(env.client?.source, env.source, 'one file watch for both sides');
    assert.equal(env.server?.mode, 'strict');
    assert.equal(env.server?.requestCert, true);
    assert.equal(env.server?.rejectUnauthorized, true);
    assert.equal(env.client?.rejectUnauthorized, true);
    assert.equal(env.client?.mode, undefined, 'the client dials TLS to every endpoint that does not say ssl-enabled=false');
    assert.deepEqual(env.client?.identities, ['spiffe://a/b', 'dns.example']);
  } finally {
    env.source?.close();
  }
  const permissive = tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_MODE: 'Permissive', MESHLET_TLS_CLIENT_MODE: 'strict' }, false, false);
  assert.equal(permissive.server?.mode, 'permissive');
  assert.equal(permissive.client?.mode, 'strict', 'MESHLET_TLS_CLIENT_MODE=strict: TLS to every endpoint');
  assert.equal(permissive.client?.identities, undefined);
  permissive.source?.close();
});

test('code wins: a side with tls in code takes nothing from the environment; both: no source at all', () => {
  const serverInCode = tlsFromEnv({ MESHLET_TLS_DIR: dir }, true, false);
  assert.equal(serverInCode.server, undefined);
  assert.ok(serverInCode.client?.source);
  serverInCode.source?.close();
  assert.deepEqual(tlsFromEnv({ MESHLET_TLS_DIR: dir }, true, true), {});
  assert.deepEqual(tlsFromEnv({ MESHLET_TLS_DIR: ' ' }, false, false), {});
  assert.deepEqual(tlsFromEnv({ MESHLET_TLS_MODE: 'permissive' }, false, false), {}, 'a mode without a directory is nothing');
});

test('a mode not in the list is INVALID_ARGUMENT, before any file is watched', () => {
  assert.throws(() => tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_MODE: 'mutual' }, false, false),
    (err) => RpcError.is(err, Code.InvalidArgument) && /MESHLET_TLS_MODE must be strict or permissive, got "mutual"/.test((err as Error).message));
  const auto = tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_CLIENT_MODE: 'permissive' }, false, false);
  assert.equal(auto.client?.mode, 'permissive', 'MESHLET_TLS_CLIENT_MODE=permissive: TLS only where advertised');
  auto.source?.close();
  assert.throws(() => tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_CLIENT_MODE: 'auto' }, false, false),
    (err) => RpcError.is(err, Code.InvalidArgument) && /MESHLET_TLS_CLIENT_MODE must be strict or permissive, got "auto"/.test((err as Error).message));
});

test('MESHLET_TLS_DIR and MESHLET_TLS_SDS together are INVALID_ARGUMENT: one source of certificates', () => {
  assert.throws(() => tlsFromEnv({ MESHLET_TLS_DIR: dir, MESHLET_TLS_SDS: 'unix:/nowhere' }, false, false),
    (err) => RpcError.is(err, Code.InvalidArgument) && /MESHLET_TLS_DIR or MESHLET_TLS_SDS, not both/.test((err as Error).message));
});
