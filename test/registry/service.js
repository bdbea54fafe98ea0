import { defineService, t } from '@meshlet/core';

/** The service the registry suites publish and call. */
export const Echo = defineService({
  interface: 'com.meshlet.registry.Echo',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string },
    whoami: { params: [], returns: t.int32 },
  },
});
