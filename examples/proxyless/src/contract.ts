import { defineService, t } from 'meshlet-rpc';

/**
 * The service both provider versions export over Dubbo. The consumer names it by its interface:
 * that is the Listener it asks the control plane for, as a gRPC client asks for `xds:///<name>`.
 */
export const Catalog = defineService({
  interface: 'com.example.shop.Catalog',
  methods: {
    /** Which provider version answered (the demo counts these to show the traffic split). */
    version: { params: [], returns: t.string },
    /** Answers after `ms` milliseconds: the route timeout's victim. */
    slow: { params: [t.int32], returns: t.string },
  },
});
