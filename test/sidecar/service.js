import { defineService, t } from 'meshlet-rpc';

/** The service of the fallback suites: idempotent, so failover may retry it anywhere. */
export const Ping = defineService({
  interface: 'com.meshlet.sidecar.Ping',
  version: '1.0',
  methods: {
    echo: { params: [t.string], returns: t.string, idempotent: true },
    whoami: { params: [], returns: t.string, idempotent: true },
  },
});
