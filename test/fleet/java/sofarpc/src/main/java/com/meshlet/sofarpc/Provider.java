package com.meshlet.sofarpc;

import com.alipay.sofa.rpc.config.ProviderConfig;
import com.alipay.sofa.rpc.config.RegistryConfig;
import com.alipay.sofa.rpc.config.ServerConfig;
import com.alipay.sofa.rpc.context.RpcRuntimeContext;
import com.alipay.sofa.rpc.filter.Filter;
import com.meshlet.conformance.EchoService;
import com.meshlet.conformance.EchoServiceImpl;
import com.meshlet.fleet.FleetService;
import com.meshlet.fleet.FleetServiceImpl;
import com.meshlet.peer.Args;
import com.meshlet.peer.Lifecycle;
import java.util.Collections;
import java.util.List;

/**
 * SOFARPC 5 provider on Bolt: EchoService and FleetService (hessian2, SOFARPC's default, the 3.1.3
 * draft on the wire), EchoService under uniqueId `g2` answering "g2:" + s, and ProtoService in
 * protobuf. Attachments are read from the request's props (RequestProps).
 * java … com.meshlet.sofarpc.Provider --port 0 [--registry zookeeper://127.0.0.1:P | nacos://127.0.0.1:P] [--host 127.0.0.1]
 */
public final class Provider {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int port = Sofa.port(args);
        ServerConfig server = new ServerConfig().setProtocol("bolt").setHost(args.get("host", "127.0.0.1"))
                .setPort(port).setDaemon(false)
                // What it registers: without this SOFARPC publishes the machine's first network
                // address, and the suite must stay on loopback.
                .setVirtualHost(args.get("host", "127.0.0.1"));
        RegistryConfig registry = Sofa.registry(args);
        List<Filter> filters = Collections.singletonList(new RequestProps());

        export(EchoService.class, new EchoServiceImpl(), null, "hessian2", server, registry, filters);
        export(EchoService.class, new G2Echo(), "g2", "hessian2", server, registry, filters);
        export(FleetService.class, new FleetServiceImpl(RequestProps::get), null, "hessian2", server, registry, filters);
        export(ProtoService.class, new ProtoService.Impl(), null, "protobuf", server, registry, filters);
        // SOFARPC's own graceful stop: unregister, then the Bolt server waits for calls in flight.
        Lifecycle.serve(port, RpcRuntimeContext::destroy);
    }

    static <T> void export(Class<T> type, T impl, String uniqueId, String serialization, ServerConfig server,
                           RegistryConfig registry, List<Filter> filters) {
        ProviderConfig<T> p = new ProviderConfig<T>()
                .setApplication(Sofa.application("sofarpc-fleet-provider"))
                .setInterfaceId(type.getName())
                .setVersion(Sofa.VERSION)
                .setRef(impl)
                .setSerialization(serialization)
                .setServer(server)
                .setFilterRef(filters)
                .setRegister(registry != null);
        if (uniqueId != null) p.setUniqueId(uniqueId);
        if (registry != null) p.setRegistry(registry);
        p.export();
    }
}
