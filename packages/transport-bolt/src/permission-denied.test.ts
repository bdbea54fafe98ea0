import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@meshlet/core';
import { Status } from './constants.js';
import { errorForStatus, forbiddenMessage, refusalStatus, statusForError } from './status.js';

test('PERMISSION_DENIED goes out as SERVER_EXCEPTION and comes back as PERMISSION_DENIED', () => {
  assert.equal(refusalStatus(Code.PermissionDenied), Status.SERVER_EXCEPTION);
  assert.equal(statusForError(Code.PermissionDenied), Status.SERVER_EXCEPTION);
  const e = errorForStatus(Status.SERVER_EXCEPTION, forbiddenMessage('RBAC: access denied: com.acme.Orders.delete'), 'com.alipay.remoting.rpc.exception.RpcServerException');
  assert.equal(e.code, Code.PermissionDenied);
  assert.equal(e.status, Status.SERVER_EXCEPTION);
  assert.equal(errorForStatus(Status.SERVER_EXCEPTION, forbiddenMessage('not on the list')).code, Code.PermissionDenied);
});

test("MOSN's RBAC refusal (2, no content) is PERMISSION_DENIED; a Java 2 with a Throwable stays SERVER_ERROR", () => {
  assert.equal(errorForStatus(Status.SERVER_EXCEPTION, undefined).code, Code.PermissionDenied);
  assert.equal(errorForStatus(Status.SERVER_EXCEPTION, 'No user processor found for request: x').code, Code.ServerError);
  assert.equal(errorForStatus(Status.UNKNOWN, undefined).code, Code.ServerError);
});

test('only refusals raised before the method ran get a status of their own', () => {
  assert.equal(refusalStatus(Code.ServerBusy), Status.SERVER_THREADPOOL_BUSY);
  assert.equal(refusalStatus(Code.Business), undefined);
  assert.equal(refusalStatus(Code.Timeout), undefined);
});
