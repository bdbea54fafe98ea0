package com.meshlet.motan;

import com.meshlet.peer.Args;
import com.weibo.api.motan.config.ProtocolConfig;
import com.weibo.api.motan.config.RegistryConfig;
import java.net.URI;

/**
 * The motan configuration both mains share, from the kit's flags: protocol `motan2` with codec
 * `motan2` and the chosen serialization (`--serialization simple|breeze`), group `conformance`
 * (`--group`), version 1.0 (`--version`), and a
 * registry: `--registry zookeeper://host:port` (motan's ZookeeperRegistry) or none (direct, a `local`
 * registry that publishes nothing).
 */
final class MotanSetup {
    static final String GROUP = "conformance";
    static final String VERSION = "1.0";

    final String serialization;
    final String group;
    final String version;
    final ProtocolConfig protocol;
    final RegistryConfig registry;

    MotanSetup(Args args) {
        serialization = args.get("serialization", "simple");
        if (!serialization.equals("simple") && !serialization.equals("breeze")) {
            throw new IllegalArgumentException("--serialization must be simple or breeze, not " + serialization);
        }
        group = args.get("group", GROUP);
        version = args.get("version", VERSION);
        protocol = new ProtocolConfig();
        protocol.setId("motan2");
        protocol.setName("motan2");
        protocol.setCodec("motan2");
        protocol.setSerialization(serialization);
        // Java's default is 10 MiB; the fleet's 8 MiB payload cases fit under it with their framing.
        protocol.setMaxContentLength(10 * 1024 * 1024);
        registry = registry(args.get("registry"));
    }

    private static RegistryConfig registry(String url) {
        RegistryConfig r = new RegistryConfig();
        if (url == null) {
            r.setRegProtocol("local");
            return r;
        }
        URI u = URI.create(url);
        if (!"zookeeper".equals(u.getScheme())) throw new IllegalArgumentException("--registry must be zookeeper://host:port, not " + url);
        r.setRegProtocol("zookeeper");
        r.setAddress(u.getHost() + ":" + u.getPort());
        r.setConnectTimeout(5000);
        r.setRequestTimeout(5000);
        return r;
    }
}
