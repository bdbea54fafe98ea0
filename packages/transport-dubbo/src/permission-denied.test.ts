import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@meshlet/core';
import { Status } from './constants.js';
import { errorForStatus, forbiddenMessage, statusForError } from './status.js';

test('PERMISSION_DENIED goes out as status 70 and comes back as PERMISSION_DENIED', () => {
  assert.equal(statusForError(Code.PermissionDenied), Status.SERVICE_ERROR);
  const e = errorForStatus(Status.SERVICE_ERROR, forbiddenMessage('RBAC: access denied: com.acme.Orders.delete'));
  assert.equal(e.code, Code.PermissionDenied);
  assert.equal(e.status, Status.SERVICE_ERROR);
  assert.equal(e.message, 'RBAC: access denied: com.acme.Orders.delete');
  // Any other refusal text gets the words a Meshlet caller reads back.
  assert.equal(errorForStatus(Status.SERVICE_ERROR, forbiddenMessage('not on the list')).code, Code.PermissionDenied);
});

test("Java's TokenFilter refusal (70, \"Forbid invoke remote service\") is PERMISSION_DENIED; other 70s and other statuses are not", () => {
  const java = 'org.apache.dubbo.rpc.RpcException: Invalid token! Forbid invoke remote service interface com.acme.Orders method delete() from consumer 10.0.0.2 to provider 10.0.0.1, consumer incorrect token is null\n\tat org.apache.dubbo.rpc.filter.TokenFilter.invoke(TokenFilter.java:61)';
  assert.equal(errorForStatus(Status.SERVICE_ERROR, java).code, Code.PermissionDenied);
  assert.equal(errorForStatus(Status.SERVICE_ERROR, 'java.lang.NullPointerException').code, Code.ServerError);
  assert.equal(errorForStatus(Status.SERVER_ERROR, 'RBAC: access denied: x').code, Code.ServerError);
});
