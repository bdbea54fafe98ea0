package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.FleetServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import com.meshlet.triple.Greeter;
import com.meshlet.triple.GreeterImpl;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.config.nested.TripleConfig;

/**
 * Apache Dubbo 3 provider over Triple (protocol `tri`, HTTP/2 h2c): the protobuf service
 * com.meshlet.triple.Greeter (greeter.proto, no version), and the kit's EchoService and FleetService
 * (version 1.0, Java interfaces: Triple's wrapped mode with hessian2), EchoService g2/2.0 answering "g2:" + s.
 * java … com.meshlet.dubbo.TriProvider --port 0 [--registry zookeeper://127.0.0.1:P] [--shutdown-wait ms]
 */
public final class TriProvider {
    /** Room for the 16 MiB case: Triple's default body limit is 8 MiB each way. */
    static final int MAX_BODY = 32 * 1024 * 1024;

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        if (args.has("shutdown-wait")) System.setProperty("dubbo.service.shutdown.wait", args.get("shutdown-wait"));
        int port = Fleet.port(args);
        ProtocolConfig protocol = new ProtocolConfig("tri", port);
        protocol.setHost("127.0.0.1");
        // Wrapped mode's serialization: what the kit's hessian peers speak (3.3 prefers fastjson2).
        protocol.setSerialization("hessian2");
        TripleConfig triple = new TripleConfig();
        triple.setMaxBodySize(MAX_BODY);
        triple.setMaxResponseBodySize(MAX_BODY);
        protocol.setTriple(triple);

        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(Fleet.application(Line.MODULE + "-triple-provider"))
                .registry(Fleet.registry(args))
                .protocol(protocol)
                .service(Provider.service(Greeter.class, new GreeterImpl(), null, null))
                .service(Provider.service(EchoService.class, new EchoServiceImpl(), null, Fleet.VERSION))
                .service(Provider.service(EchoService.class, new Provider.G2Echo(), "g2", "2.0"))
                .service(Provider.service(FleetService.class, new FleetServiceImpl(Line::serverAttachment), null, Fleet.VERSION));
        bootstrap.start();
        Lifecycle.serve(port, bootstrap::stop);
    }
}
