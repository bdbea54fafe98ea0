package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * Apache Dubbo 3 provider of EchoService 1.0 registered by application-level discovery alone
 * (register-mode=instance): /services/{app}/{ip}:{port} and /dubbo/mapping/{interface}, metadata
 * served by its MetadataService (storage-type local). Nothing under /dubbo/{interface}/providers.
 * `--register-mode all` registers at both levels, as Dubbo 3 does by default.
 * java … com.meshlet.dubbo.AppProvider --port 0 --registry zookeeper://127.0.0.1:P [--app name] [--register-mode m]
 */
public final class AppProvider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Fleet.loopbackOnly();
        int port = Fleet.port(args);
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");
        ApplicationConfig app = Fleet.application(args.get("app", "dubbo3-app-provider"));
        app.setRegisterMode(args.get("register-mode", "instance"));
        app.setMetadataType("local");
        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(app)
                .registry(registry(args))
                .protocol(protocol)
                .service(Provider.service(EchoService.class, new EchoServiceImpl(), null, Fleet.VERSION));
        bootstrap.start();
        Lifecycle.serve(port, bootstrap::stop);
    }

    /**
     * The registry as a Dubbo 3 fleet runs it: ZooKeeper is also the metadata center, which is where
     * the interface → application mapping (/dubbo/mapping/{interface}) is written and read.
     */
    static RegistryConfig registry(Args args) {
        RegistryConfig registry = Fleet.registry(args);
        registry.setUseAsMetadataCenter(true);
        return registry;
    }
}
