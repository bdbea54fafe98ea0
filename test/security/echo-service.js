// The Echo service the TLS suites call through (a call, the caller's identity, a stream), so each
// suite differs only in its interface name and what it asserts.
import { defineService, t, currentCall } from '@meshlet/core';

/** `options`: extra service fields (version, protocol) and `stream`, the count method's stream kind. */
export function echoService(interfaceName, { stream = true, ...options } = {}) {
  return defineService({
    interface: interfaceName,
    ...options,
    methods: {
      echo: { params: [t.string], returns: t.string },
      who: { params: [], returns: t.string },
      count: { params: [t.int32], returns: t.int32, stream },
    },
  });
}

/** Its implementation; `who` answers JSON of `identityOf(the caller's identity)`, by default its SPIFFE ID. */
export function echoImpl(identityOf = (identity) => identity?.spiffeId ?? null) {
  return {
    echo: async (s) => s,
    who: async () => JSON.stringify(identityOf(currentCall()?.identity)),
    async *count(n) {
      for (let i = 0; i < n; i++) yield i;
    },
  };
}
