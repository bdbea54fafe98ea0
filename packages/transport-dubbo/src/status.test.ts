import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@meshlet/core';
import { Status } from './constants.js';
import { errorForStatus } from './status.js';

// Texts as Java Dubbo providers send them (seen from Apache Dubbo 2.7.23 and 3.3.6 in the fleet suite).
test('70 "Not found exported service" (a known interface, another version or group) is SERVICE_NOT_FOUND', () => {
  const e = errorForStatus(Status.SERVICE_ERROR, 'org.apache.dubbo.remoting.RemotingException: Not found exported service: com.meshlet.conformance.EchoService:9.9:36469 in [com.meshlet.conformance.EchoService:1.0:36469], may be version or group mismatch , channel: consumer: /127.0.0.1:57870 --> provider: /127.0.0.1:36469, message:RpcInvocation \n\tat org.apache.dubbo.rpc.protocol.dubbo.DubboProtocol.getInvoker(DubboProtocol.java:268)');
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
