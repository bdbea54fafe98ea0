import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '../errors.js';
import { createInvocation } from '../invocation.js';
import type { Protocol } from '../protocol.js';
import { defineService } from '../service.js';
import { t } from '../types.js';
import { ExportTable } from './exports.js';

const Svc = defineService({ interface: 'com.example.Relay', methods: { relay: { params: [], returns: t.string } } });
// Only the name matters: the table never opens a client or server.
const wire = { name: 'test', defaultPort: 0 } as Protocol;
const table = new ExportTable([]);
table.add(Svc, { relay: async () => { throw new RpcError(Code.Timeout, 'downstream timed out'); } }, [wire]);
const { invoke } = table.resolve({ interface: 'com.example.Relay' }, 'relay');
const inbound = (timeout: number) => createInvocation(Svc, Svc.methods.get('relay')!, [], { timeout });

test('a downstream timeout inside a live budget is the method\'s own failure (BUSINESS)', async () => {
  await assert.rejects(invoke(inbound(5000)), (e: unknown) => RpcError.is(e, Code.Business) && /downstream timed out/.test((e as Error).message));
});

test('a downstream timeout once the caller\'s budget is spent answers TIMEOUT', async () => {
  await assert.rejects(invoke(inbound(0)), (e: unknown) => RpcError.is(e, Code.Timeout));
});
