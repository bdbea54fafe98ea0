import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { ErrType } from './constants.js';
import { errorFromException, exceptionFor, exceptionJson } from './exception.js';

test('PERMISSION_DENIED goes out as errcode 403, errtype SERVICE, and comes back as PERMISSION_DENIED', () => {
  const e = exceptionFor(new RpcError(Code.PermissionDenied, 'RBAC: access denied: com.acme.Orders.delete'), false);
  assert.deepEqual(e, { errcode: 403, errmsg: 'RBAC: access denied: com.acme.Orders.delete', errtype: ErrType.SERVICE });
  const back = errorFromException(exceptionJson(e));
  assert.equal(back.code, Code.PermissionDenied);
  assert.equal(back.status, 403);
  assert.equal(back.message, 'RBAC: access denied: com.acme.Orders.delete');
});

test('403 from any provider is PERMISSION_DENIED, under any errtype but BUSINESS', () => {
  assert.equal(errorFromException('{"errcode":403,"errmsg":"forbidden","errtype":0}').code, Code.PermissionDenied);
  assert.equal(errorFromException('{"errcode":403,"errmsg":"thrown","errtype":2}').code, Code.Business);
});
