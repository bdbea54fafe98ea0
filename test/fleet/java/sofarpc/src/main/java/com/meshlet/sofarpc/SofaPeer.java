package com.meshlet.sofarpc;

import com.alipay.sofa.rpc.api.GenericService;
import com.alipay.sofa.rpc.config.ConsumerConfig;
import com.alipay.sofa.rpc.config.RegistryConfig;
import com.alipay.sofa.rpc.context.RpcInvokeContext;
import com.alipay.sofa.rpc.core.exception.SofaTimeOutException;
import com.meshlet.conformance.EchoService;
import com.meshlet.fleet.FleetService;
import com.meshlet.peer.Args;
import com.meshlet.peer.Peer;
import java.util.HashMap;
import java.util.Map;

/** The shared case runner's view of SOFARPC: ConsumerConfigs by the public API, direct or through ZooKeeper. */
final class SofaPeer implements Peer {
    private final Args args;
    private final RegistryConfig registry;
    private final Map<String, Object> refs = new HashMap<>();

    SofaPeer(Args args, RegistryConfig registry) {
        this.args = args;
        this.registry = registry;
    }

    /** One proxy per (interface, uniqueId, serialization, timeout); SOFARPC shares the connection between them. */
    synchronized <T> T ref(Class<T> type, String uniqueId, String serialization, int timeoutMs) {
        return ref(type, uniqueId, serialization, timeoutMs, "sync");
    }

    /**
     * `invokeType` "future": each call returns at once (null) once its request is written, and
     * RpcInvokeContext.getContext().getFuture() holds its result.
     */
    synchronized <T> T ref(Class<T> type, String uniqueId, String serialization, int timeoutMs, String invokeType) {
        String key = type.getName() + "/" + uniqueId + "/" + serialization + "/" + timeoutMs + "/" + invokeType;
        Object proxy = refs.get(key);
        if (proxy == null) {
            ConsumerConfig<T> c = config(type.getName(), uniqueId, serialization, timeoutMs);
            c.setInvokeType(invokeType);
            proxy = c.refer();
            if (throughNacos()) awaitConnection(c);
            refs.put(key, proxy);
        }
        return type.cast(proxy);
    }

    /** True with `--registry nacos://…`. */
    private boolean throughNacos() {
        return !args.has("target") && registry != null && "nacos".equals(registry.getProtocol());
    }

    /**
     * Through Nacos, SOFARPC's first calls may find the provider's address but no connection yet
     * (RPC-020020009 "The service addresses [...] is not available"): its NacosRegistry hands the
     * providers to the cluster from the caller's thread and from nacos-client's notifier thread at
     * once. Seen with SOFARPC's own provider as with Meshlet's (1-3 of the first 40 calls in half the
     * runs), so the peer waits, bounded, until the reference has a connection before its cases run.
     */
    private static void awaitConnection(ConsumerConfig<?> c) {
        long until = System.nanoTime() + 15_000_000_000L;
        while (c.getConsumerBootstrap().getCluster().getConnectionHolder().isAvailableEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A generic client of any service name (no Java interface needed): how the probes reach what does not exist. */
    GenericService generic(String service) {
        ConsumerConfig<GenericService> c = config(service, null, "hessian2", 5000);
        c.setGeneric(true);
        return c.refer();
    }

    private <T> ConsumerConfig<T> config(String service, String uniqueId, String serialization, int timeoutMs) {
        ConsumerConfig<T> c = new ConsumerConfig<T>()
                .setApplication(Sofa.application("sofarpc-fleet-consumer"))
                .setInterfaceId(service)
                .setVersion(Sofa.VERSION)
                .setProtocol("bolt")
                .setSerialization(serialization)
                .setTimeout(timeoutMs)
                .setRetries(0)
                .setConnectionNum(args.getInt("connections", 1))
                // Each case set builds one reference per timeout; SOFARPC's default limit is 3 per interface.
                .setRepeatedReferLimit(-1);
        if (uniqueId != null) c.setUniqueId(uniqueId);
        // A connection lost in the race above is retried after 1 s instead of SOFARPC's 10.
        if (throughNacos()) c.setReconnectPeriod(1000);
        // `--target a,b`: one bolt:// URL per provider, `;`-separated as SOFARPC's directUrl takes them.
        if (args.has("target")) c.setDirectUrl("bolt://" + String.join(";bolt://", args.get("target").split(",")));
        else c.setRegistry(registry);
        return c;
    }

    @Override
    public EchoService echo(int timeoutMs) { return ref(EchoService.class, null, "hessian2", timeoutMs); }

    @Override
    public FleetService fleet() { return ref(FleetService.class, null, "hessian2", 30_000); }

    /** True with `--target` (a direct URL), false through a registry. */
    boolean direct() { return args.has("target"); }

    ProtoService proto() { return ref(ProtoService.class, null, "protobuf", 10_000); }

    /** A custom header goes into the next call's requestProps (and so into Bolt's header). */
    @Override
    public void attach(String key, String value) { RpcInvokeContext.getContext().addCustomHeader(key, value); }

    @Override
    public boolean isTimeout(Throwable t) { return t instanceof SofaTimeOutException; }
}
