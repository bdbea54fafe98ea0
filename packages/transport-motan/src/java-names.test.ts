// What Java motan 1.2.6 (the fleet peer, test/fleet/motan-java.test.js) disagreed with Meshlet on:
// the spelling of array classes in M_md, and the prefix its provider puts on a business message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, defineService, t } from '@meshlet/core';
import { errorFromException, JAVA_BIZ_PREFIX } from './exception.js';
import { jvmParamName, motanParamName } from './param-desc.js';
import { Serializations } from './serializations.js';

test('M_md spells arrays as Java motan ReflectUtil.getName does (byte[], not [B)', () => {
  assert.equal(motanParamName('[B'), 'byte[]');
  assert.equal(motanParamName('[[I'), 'int[][]');
  assert.equal(motanParamName('[Ljava.lang.String;'), 'java.lang.String[]');
  assert.equal(motanParamName('java.util.List'), 'java.util.List');
  assert.equal(motanParamName('int'), 'int');
  for (const jvm of ['[B', '[[I', '[Ljava.lang.String;', '[[Lcom.x.Y;', 'java.util.Map', 'long']) {
    assert.equal(jvmParamName(motanParamName(jvm)), jvm);
  }
});

test('a byte[] parameter goes out as M_md "byte[]" under simple and breeze', () => {
  const Svc = defineService({
    interface: 'com.meshlet.conformance.EchoService',
    methods: {
      reverseBytes: { params: [t.bytes], returns: t.bytes },
      names: { params: [t.array(t.string), t.int32], returns: t.int32 },
    },
  });
  const s = new Serializations();
  for (const ser of [s.simple, s.breeze]) {
    assert.equal(ser.method(Svc.methods.get('reverseBytes')!).paramDesc, 'byte[]', ser.name);
    assert.equal(ser.method(Svc.methods.get('names')!).paramDesc, 'java.lang.String[],int', ser.name);
  }
});

test("a Java provider's business errmsg reads as the message thrown", () => {
  // M_e of Java motan 1.2.6 for IllegalStateException("boom 😀"), as captured (java-motan-captured.json).
  const err = errorFromException(`{"errcode":30001,"errmsg":"${JAVA_BIZ_PREFIX}boom 😀","errtype":2}`);
  assert.equal(err.code, Code.Business);
  assert.equal(err.message, 'boom 😀');
  assert.equal(err.status, 30001);
  // motan-go's and Meshlet's form is the message alone.
  assert.equal(errorFromException('{"errcode":500,"errmsg":"boom","errtype":2}').message, 'boom');
});

test("Java's missing service (404, whose text names the method) and missing method (10101) read apart", () => {
  // Both M_e as Java motan 1.2.6 answered them (captured: fixtures/java-motan-captured.json).
  const service = errorFromException('{"errcode":404,"errmsg":"provider not exist serviceKey=conformance/com.meshlet.NoSuchService/1.0, requestId=2076676770 interface=com.meshlet.NoSuchService method=nope(java.lang.String) remoteIp=127.0.0.1","errtype":1}');
  assert.equal(service.code, Code.ServiceNotFound);
  const method = errorFromException('{"errcode":10101,"errmsg":"Service method not exist: com.meshlet.conformance.EchoService.nope(java.lang.String)","errtype":1}');
  assert.equal(method.code, Code.MethodNotFound);
  assert.equal(errorFromException('{"errcode":404,"errmsg":"service x has no method nope","errtype":1}').code, Code.MethodNotFound);
});
