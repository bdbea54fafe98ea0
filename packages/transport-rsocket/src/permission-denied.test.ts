import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { errorFromFrame, errorMessage } from './errors.js';
import { ErrorCode } from './rsocket-lib.js';

const frame = (code: number, message: string) => Object.assign(new Error(message), { source: { code, message } });

test('PERMISSION_DENIED goes out as APPLICATION_ERROR [PERMISSION_DENIED] and comes back as PERMISSION_DENIED', () => {
  const text = errorMessage(new RpcError(Code.PermissionDenied, 'RBAC: access denied: com.acme.Orders.delete'));
  assert.equal(text, '[PERMISSION_DENIED] RBAC: access denied: com.acme.Orders.delete');
  const back = errorFromFrame(frame(ErrorCode.APPLICATION_ERROR, text), '127.0.0.1:7000');
  assert.equal(back.code, Code.PermissionDenied);
  assert.equal(back.message, 'RBAC: access denied: com.acme.Orders.delete');
  assert.equal(back.status, ErrorCode.APPLICATION_ERROR);
});

test("Spring Security's refusal (APPLICATION_ERROR \"Access Denied\") is PERMISSION_DENIED; other unprefixed errors stay BUSINESS", () => {
  assert.equal(errorFromFrame(frame(ErrorCode.APPLICATION_ERROR, 'Access Denied'), 'x').code, Code.PermissionDenied);
  assert.equal(errorFromFrame(frame(ErrorCode.APPLICATION_ERROR, 'Access Denied to order 7'), 'x').code, Code.Business);
  assert.equal(errorFromFrame(frame(ErrorCode.REJECTED, 'busy'), 'x').code, Code.ServerBusy);
});
