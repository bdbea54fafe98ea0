package com.meshlet.sofarpc;

import com.alipay.sofa.rpc.config.ApplicationConfig;
import com.alipay.sofa.rpc.config.RegistryConfig;
import com.meshlet.peer.Args;
import java.io.IOException;
import java.net.ServerSocket;

/** What the provider and the consumer share: the application, the registry, argument conventions. */
final class Sofa {
    private Sofa() {}

    /** The conformance kit's version of both services (CONFORMANCE.md), SOFARPC's default too. */
    static final String VERSION = "1.0";

    static ApplicationConfig application(String name) {
        return new ApplicationConfig().setAppName(name);
    }

    /**
     * `--registry zookeeper://127.0.0.1:P` as SOFARPC's ZookeeperRegistry (the /sofa-rpc layout),
     * `--registry nacos://127.0.0.1:P[/namespace]` as its NacosRegistry (address `host:port/namespace`,
     * namespace `sofa-rpc` when none is given, as SOFARPC defaults), or null for direct mode.
     */
    static RegistryConfig registry(Args args) {
        String url = args.get("registry");
        if (url == null) return null;
        if (url.startsWith("nacos://")) {
            String address = url.substring("nacos://".length()).replaceAll("[?].*$", "");
            return new RegistryConfig().setProtocol("nacos").setAddress(address).setTimeout(10_000);
        }
        if (!url.startsWith("zookeeper://")) throw new IllegalArgumentException("--registry must be zookeeper://host:port or nacos://host:port[/namespace], got " + url);
        String address = url.substring("zookeeper://".length()).replaceAll("[/?].*$", "");
        return new RegistryConfig().setProtocol("zookeeper").setAddress(address).setTimeout(10_000);
    }

    /** `--port 0` picks a free port here: SOFARPC's ServerConfig wants a real port. */
    static int port(Args args) throws IOException {
        int port = args.getInt("port", 0);
        if (port != 0) return port;
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
