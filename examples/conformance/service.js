// The conformance service of CONFORMANCE.md, declared without decorators: the plain-object API.
import { defineService, t } from '@meshlet/core';

export const User = t.object('com.meshlet.conformance.User', {
  id: t.int64,
  name: t.string,
  tags: t.list(t.string),
  attrs: t.map(t.string, t.string),
  active: t.bool,
  score: t.float64,
});

export const EchoService = defineService({
  interface: 'com.meshlet.conformance.EchoService',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    addInt: { params: [t.int32, t.int32], returns: t.int32 },
    addLong: { params: [t.int64, t.int64], returns: t.int64 },
    mulDouble: { params: [t.float64, t.float64], returns: t.float64 },
    negate: { params: [t.bool], returns: t.bool },
    reverseBytes: { params: [t.bytes], returns: t.bytes },
    reverseList: { params: [t.list(t.string)], returns: t.list(t.string) },
    swapMap: { params: [t.map(t.string, t.string)], returns: t.map(t.string, t.string) },
    echoUser: { params: [User], returns: User },
    nullable: { params: [t.nullable(t.string)], returns: t.nullable(t.string) },
    fail: { params: [t.string], returns: t.void },
    sleep: { params: [t.int32], returns: t.string },
  },
});

/** The reference behaviour. Arithmetic wraps as Java's does. */
export const echoImpl = {
  echo: (s) => s,
  addInt: (a, b) => (a + b) | 0,
  addLong: (a, b) => BigInt.asIntN(64, a + b),
  mulDouble: (a, b) => a * b,
  negate: (b) => !b,
  reverseBytes: (b) => Buffer.from(b).reverse(),
  reverseList: (l) => [...l].reverse(),
  swapMap: (m) => new Map([...(m instanceof Map ? m : Object.entries(m))].map(([k, v]) => [v, k])),
  echoUser: (u) => u,
  nullable: (s) => s,
  fail: (message) => {
    // A RuntimeException subclass on the Java side.
    throw Object.assign(new Error(message), { javaClass: 'java.lang.IllegalStateException' });
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve('slept'), ms)),
};
