import { defineService, t } from '@meshlet/core';

/** The chaos suite's service: `get` is what load calls; `setMode` steers a provider's behaviour. */
export const Chaos = defineService({
  interface: 'com.meshlet.test.Chaos',
  methods: {
    get: { params: [], returns: t.string, idempotent: true },
    setMode: { params: [t.string], returns: t.string },
  },
});
