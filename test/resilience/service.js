import { defineService, t } from '@meshlet/core';

/**
 * The service the resilience suites call. `charge` is not idempotent (a retry could charge twice),
 * so no call to it may be resent after it reached a provider; `lookup` is.
 */
export const Ledger = defineService({
  interface: 'com.meshlet.resilience.Ledger',
  version: '1.0',
  methods: {
    charge: { params: [t.int32], returns: t.string },
    lookup: { params: [t.int32], returns: t.string, idempotent: true },
  },
});
