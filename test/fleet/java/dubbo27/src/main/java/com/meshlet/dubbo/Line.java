package com.meshlet.dubbo;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.common.extension.ExtensionLoader;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.rpc.Protocol;
import org.apache.dubbo.rpc.ProxyFactory;
import org.apache.dubbo.rpc.RpcContext;

/** What Apache Dubbo 2.7 does its own way; the shared peer (test/fleet/java/dubbo) calls only this. */
final class Line {
    private Line() {}

    /** The module's name, in the application names the peers register. */
    static final String MODULE = "dubbo27";

    /** An attachment on the next call from this thread. */
    static void attach(String key, String value) { RpcContext.getContext().setAttachment(key, value); }

    /** An attachment of the call being served. */
    static String serverAttachment(String key) { return RpcContext.getContext().getAttachment(key); }

    /** 2.7 registers interfaces only, which is what the suite wants. */
    static void configure(ApplicationConfig app) {}

    /** 2.7's registry is only a registry unless configured otherwise. */
    static void configure(RegistryConfig registry) {}

    /** A proxy for `type` calling `url` through Dubbo's SPI directly (no ReferenceConfig checks). */
    static <T> T refer(Class<T> type, String url) {
        Protocol protocol = ExtensionLoader.getExtensionLoader(Protocol.class).getAdaptiveExtension();
        ProxyFactory proxies = ExtensionLoader.getExtensionLoader(ProxyFactory.class).getAdaptiveExtension();
        return proxies.getProxy(protocol.refer(type, URL.valueOf(url)));
    }
}
