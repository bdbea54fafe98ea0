import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@meshlet/core';
import { Status } from './constants.js';
import { errorForStatus } from './status.js';

// Texts as Java Dubbo providers send them (fixtures/dubbo27-captured.json, dubbo3-captured.json).
test('70 "Not found exported service" (a known interface, another version or group) is SERVICE_NOT_FOUND', () => {
  const e = errorForStatus(Status.SERVICE_ERROR, 'Not found exported service: com.meshlet.conformance.EchoService:9.9:20880 in [com.meshlet.conformance.EchoService:1.0:20880], may be version or group mismatch');
  assert.equal(e.code, Code.ServiceNotFound);
  assert.match(e.message, /EchoService:9\.9/);
});

test('40 "Service not found:{iface}, {method}" (Dubbo 2.7) is METHOD_NOT_FOUND', () => {
  const e = errorForStatus(Status.BAD_REQUEST, 'Fail to decode request due to: java.lang.IllegalArgumentException: Service not found:com.meshlet.Missing, nope\n\tat org.apache.dubbo...');
  assert.equal(e.code, Code.MethodNotFound);
});

test('40 "RpcInvocation [methodName=m, parameterTypes=null]" (Dubbo 3) is METHOD_NOT_FOUND', () => {
  assert.equal(errorForStatus(Status.BAD_REQUEST, 'Fail to decode request due to: RpcInvocation [methodName=nope, parameterTypes=null]').code, Code.MethodNotFound);
});

test('other 40 and 70 texts keep their status codes', () => {
  assert.equal(errorForStatus(Status.BAD_REQUEST, 'Fail to decode request due to: java.io.IOException: bad hessian').code, Code.BadRequest);
  assert.equal(errorForStatus(Status.SERVICE_ERROR, 'java.lang.NullPointerException').code, Code.ServerError);
});
