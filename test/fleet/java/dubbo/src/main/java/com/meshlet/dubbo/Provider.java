package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.FleetServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo provider (2.7 or 3: see Line) of EchoService and FleetService (version 1.0), plus EchoService in group
 * `g2` version `2.0` whose echo answers "g2:" + s, so a consumer's group/version selection shows.
 * java … com.meshlet.dubbo.Provider --port 0 [--registry zookeeper://127.0.0.1:P] [--host 127.0.0.1]
 *      [--heartbeat ms] [--stop hook]
 */
public final class Provider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        int port = Fleet.port(args);
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost(args.get("host", "127.0.0.1"));
        protocol.setSerialization("hessian2");
        if (args.has("heartbeat")) protocol.setHeartbeat(args.getInt("heartbeat", 60_000));
        RegistryConfig registry = Fleet.registry(args);

        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(Fleet.application(Line.MODULE + "-fleet-provider"))
                .registry(registry)
                .protocol(protocol)
                .service(service(EchoService.class, new EchoServiceImpl(), null, Fleet.VERSION))
                .service(service(EchoService.class, new G2Echo(), "g2", "2.0"))
                .service(service(FleetService.class,
                        new FleetServiceImpl(Line::serverAttachment), null, Fleet.VERSION));
        bootstrap.start();
        // Dubbo's own graceful stop: unregister, send the readonly event, let in-flight calls finish.
        // `--stop hook`: System.exit instead, so the JVM runs the shutdown hook Dubbo registered,
        // what a plain SIGTERM does to a Dubbo application that installs no handler of its own.
        Lifecycle.serve(port, "hook".equals(args.get("stop")) ? () -> System.exit(0) : bootstrap::stop);
    }

    static <T> ServiceConfig<T> service(Class<T> type, T impl, String group, String version) {
        ServiceConfig<T> s = new ServiceConfig<>();
        // Named: Dubbo 2.7's config manager keeps only one of several id-less services.
        s.setId(type.getSimpleName() + "-" + group + "-" + version);
        s.setInterface(type);
        s.setRef(impl);
        s.setVersion(version);
        if (group != null) s.setGroup(group);
        return s;
    }

    /** The group/version variant: distinguishable from the default EchoService by its answer. */
    public static final class G2Echo extends EchoServiceImpl {
        @Override
        public String echo(String s) { return "g2:" + s; }
    }
}
