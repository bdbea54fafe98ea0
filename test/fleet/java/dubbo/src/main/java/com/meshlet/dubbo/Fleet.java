package com.meshlet.dubbo;

import com.meshlet.peer.Args;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.RegistryConfig;

/** What the provider and the consumer share: the application, the registry, argument conventions. */
final class Fleet {
    private Fleet() {}

    /** The conformance kit's version of both services (CONFORMANCE.md). */
    static final String VERSION = "1.0";

    /**
     * Keeps Dubbo on the loopback interface. Dubbo treats 127.x as "no address": a client rewrites a
     * 127.0.0.1 target to the machine's first network address (NetUtils.filterLocalHost) and a
     * provider registers that address instead, so a fleet test would leave loopback. There is no
     * switch for it, so its cached local address is set to 127.0.0.1 before anything reads it.
     */
    static void loopbackOnly() throws ReflectiveOperationException, IOException {
        set("HOST_ADDRESS", "127.0.0.1");
        set("LOCAL_ADDRESS", InetAddress.getByName("127.0.0.1"));
        if (!"127.0.0.1".equals(NetUtils.getLocalHost())) throw new IllegalStateException("Dubbo's local host is " + NetUtils.getLocalHost());
    }

    private static void set(String field, Object value) throws ReflectiveOperationException {
        Field f = NetUtils.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(null, value);
    }

    static ApplicationConfig application(String name) {
        ApplicationConfig app = new ApplicationConfig(name);
        Line.configure(app);
        // No QoS telnet server: it would take a fixed port (22222) and collide between peers.
        app.setQosEnable(false);
        return app;
    }

    /** `--registry zookeeper://…` or, for direct mode, Dubbo's "no registry". */
    static RegistryConfig registry(Args args) {
        RegistryConfig reg = new RegistryConfig(args.get("registry", RegistryConfig.NO_AVAILABLE));
        reg.setCheck(false);
        Line.configure(reg);
        return reg;
    }

    /** `--port 0` picks a free port here, so READY can print it before Dubbo binds. */
    static int port(Args args) throws IOException {
        int port = args.getInt("port", 0);
        if (port != 0) return port;
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** URL parameters every reference gets: `--heartbeat ms` shortens Dubbo's 60 s heartbeat. */
    static Map<String, String> parameters(Args args) {
        Map<String, String> p = new HashMap<>();
        if (args.has("heartbeat")) p.put("heartbeat", args.get("heartbeat"));
        return p;
    }
}
