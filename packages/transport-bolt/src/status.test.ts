// SOFARPC's framework errors travel as text only, so the typed code comes from the wording: these
// are the exact errorMsg strings a live SOFARPC 5.13.2 provider sent (fixtures/sofarpc-captured.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code } from '@meshlet/core';
import { methodNotFoundMessage, notFoundCode, serviceNotFoundMessage } from './status.js';

const JAVA_SERVICE = 'RPC-020100010: RPC cannot find service: [com.meshlet.Missing:1.0] ';
const JAVA_METHOD = 'RPC-020100011: Cannot find invoke method: [nope], service: [com.meshlet.conformance.EchoService:1.0] ';

test("SOFARPC 5's unknown service and unknown method texts map to the not-found codes", () => {
  assert.equal(notFoundCode(JAVA_SERVICE), Code.ServiceNotFound);
  assert.equal(notFoundCode(JAVA_METHOD), Code.MethodNotFound);
  assert.equal(notFoundCode('boom'), undefined);
});

test('a Meshlet provider words its framework errors exactly as SOFARPC 5 does', () => {
  assert.equal(serviceNotFoundMessage('com.meshlet.Missing:1.0'), JAVA_SERVICE);
  assert.equal(methodNotFoundMessage('nope', 'com.meshlet.conformance.EchoService:1.0'), JAVA_METHOD);
});
