package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import java.util.List;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo 3 provider of EchoService 1.0 on two protocols at once, dubbo and tri (Triple, h2c,
 * wrapped hessian2), registered by application-level discovery (register-mode=instance by default):
 * what it writes in the instance's `dubbo.endpoints`, which port the instance's own address takes and
 * what its MetadataInfo lists is the truth Meshlet's application-level registration copies.
 * java … com.meshlet.dubbo.AppTriProvider --port 0 --tri-port 0 --registry zookeeper://127.0.0.1:P
 *      [--app name] [--register-mode m]
 */
public final class AppTriProvider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        int port = Fleet.port(args);
        int triPort = args.getInt("tri-port", 0);
        if (triPort == 0) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                triPort = s.getLocalPort();
            }
        }
        ProtocolConfig dubbo = new ProtocolConfig("dubbo", port);
        dubbo.setHost("127.0.0.1");
        dubbo.setSerialization("hessian2");
        ProtocolConfig tri = new ProtocolConfig("tri", triPort);
        tri.setHost("127.0.0.1");
        tri.setSerialization("hessian2");
        ApplicationConfig app = Fleet.application(args.get("app", "dubbo3-apptri-provider"));
        app.setRegisterMode(args.get("register-mode", "instance"));
        app.setMetadataType("local");
        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(app)
                .registry(AppProvider.registry(args))
                .protocols(List.of(dubbo, tri))
                .service(Provider.service(EchoService.class, new EchoServiceImpl(), null, Fleet.VERSION));
        bootstrap.start();
        System.out.println("TRI " + triPort);
        Lifecycle.serve(port, bootstrap::stop);
    }
}
