import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { generateProto } from './proto-gen.js';

describe('codegen: .proto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-codegen-proto-unit-'));
  const a = join(dir, 'a.proto');
  const b = join(dir, 'b.proto');
  writeFileSync(a, 'syntax = "proto3"; package a.v1; message User { int64 id = 1; sint32 n = 2; repeated bytes blobs = 3; map<string, User> friends = 4; oneof o { string s = 5; bool f = 6; } }\nservice Users { rpc Get (User) returns (User); }');
  writeFileSync(b, 'syntax = "proto3"; package b.v1; message User { uint64 id = 1; } message Only { float x = 1; }');

  it('maps scalar kinds by the transport\'s decoding, and names same-named messages by their packages', () => {
    const bolt = generateProto([a, b]).code;
    assert.match(bolt, /export interface a_v1_User \{\n {2}id\?: string;\n {2}n\?: number;\n {2}blobs\?: Uint8Array\[\];\n {2}friends\?: Record<string, a_v1_User>;\n {2}s\?: string;\n {2}f\?: boolean;\n\}/);
    assert.match(bolt, /export interface b_v1_User \{\n {2}id\?: string;\n\}/);
    assert.match(bolt, /export interface Only \{\n {2}x\?: number;\n\}/);
    assert.match(bolt, /"Get": \{ params: \[a_v1_User\], returns: a_v1_User \}/);
    const rsocket = generateProto([a], { transport: 'rsocket', include: ['a.v1.*'] });
    assert.match(rsocket.code, /id\?: bigint;/);
    assert.match(rsocket.code, /from '@meshlet\/transport-rsocket'/);
    assert.deepEqual(rsocket.services, ['a.v1.Users']);
    assert.deepEqual(generateProto([a], { include: ['c.*'] }).services, []);
  });

  it('a missing or broken file is an INVALID_ARGUMENT naming it', () => {
    assert.throws(() => generateProto([join(dir, 'nope.proto')]), (e: unknown) => RpcError.is(e, Code.InvalidArgument) && (e as Error).message.includes('nope.proto'));
    writeFileSync(join(dir, 'bad.proto'), 'message X { int32 = ; }');
    assert.throws(() => generateProto([join(dir, 'bad.proto')]), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  });
});
