package com.meshlet.dubbo;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.rpc.Protocol;
import org.apache.dubbo.rpc.ProxyFactory;
import org.apache.dubbo.rpc.RpcContext;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.apache.dubbo.rpc.model.ModuleModel;

/** What Apache Dubbo 3 does its own way; the shared peer (test/fleet/java/dubbo) calls only this. */
final class Line {
    private Line() {}

    /** The module's name, in the application names the peers register. */
    static final String MODULE = "dubbo3";

    /** An attachment on the next call from this thread. */
    static void attach(String key, String value) { RpcContext.getClientAttachment().setAttachment(key, value); }

    /** An attachment of the call being served. */
    static String serverAttachment(String key) { return RpcContext.getServerAttachment().getAttachment(key); }

    /**
     * Interface-level discovery only (/dubbo/{interface}/providers): what Dubbo 2 fleets and Meshlet's
     * dubbo layout read. Providers register nothing at application level, and consumers do not wait
     * for application-level instances first (the migration rule, by its documented property).
     */
    static void configure(ApplicationConfig app) {
        app.setRegisterMode("interface");
        System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
    }

    /** The registry is only a registry here: no config center, no metadata report nodes. */
    static void configure(RegistryConfig registry) {
        registry.setUseAsConfigCenter(false);
        registry.setUseAsMetadataCenter(false);
    }

    /** A proxy for `type` calling `url` through Dubbo's SPI directly (no ReferenceConfig checks). */
    static <T> T refer(Class<T> type, String url) {
        ModuleModel module = ApplicationModel.defaultModel().getDefaultModule();
        Protocol protocol = module.getExtensionLoader(Protocol.class).getAdaptiveExtension();
        ProxyFactory proxies = module.getExtensionLoader(ProxyFactory.class).getAdaptiveExtension();
        return proxies.getProxy(protocol.refer(type, URL.valueOf(url).setScopeModel(module)));
    }
}
