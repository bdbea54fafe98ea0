package com.meshlet.dubbo;

import com.meshlet.conformance.EchoService;
import com.meshlet.fleet.FleetService;
import com.meshlet.peer.Args;
import com.meshlet.peer.Peer;
import java.util.HashMap;
import java.util.Map;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.StatusRpcException;
import org.apache.dubbo.rpc.TriRpcStatus;

/** References over Triple (`tri://`), direct (`--target`) or through the registry, for the kit and the IDL cases. */
final class TriPeer implements Peer {
    private final Args args;
    private final RegistryConfig registry;
    private final Map<String, Object> refs = new HashMap<>();

    TriPeer(Args args, RegistryConfig registry) {
        this.args = args;
        this.registry = registry;
    }

    /** One proxy per (interface, group, version, timeout); Dubbo shares the HTTP/2 connection between them. */
    synchronized <T> T ref(Class<T> type, String group, String version, int timeoutMs) {
        String key = type.getName() + "/" + group + "/" + version + "/" + timeoutMs;
        Object proxy = refs.get(key);
        if (proxy == null) {
            ReferenceConfig<T> r = new ReferenceConfig<>();
            r.setId(key.replace('/', '-'));
            r.setInterface(type);
            if (version != null) r.setVersion(version);
            if (group != null) r.setGroup(group);
            r.setProtocol("tri");
            r.setTimeout(timeoutMs);
            r.setRetries(0);
            r.setCheck(false);
            r.setRegistry(registry);
            if (args.has("target")) r.setUrl("tri://" + args.get("target") + "/" + type.getName() + "?serialization=hessian2");
            proxy = r.get();
            refs.put(key, proxy);
        }
        return type.cast(proxy);
    }

    @Override
    public EchoService echo(int timeoutMs) { return ref(EchoService.class, null, Fleet.VERSION, timeoutMs); }

    @Override
    public FleetService fleet() { return ref(FleetService.class, null, Fleet.VERSION, 30_000); }

    @Override
    public void attach(String key, String value) { Line.attach(key, value); }

    @Override
    public boolean isTimeout(Throwable t) {
        return (t instanceof RpcException && ((RpcException) t).isTimeout()) || "DEADLINE_EXCEEDED".equals(status(t));
    }

    /** The gRPC status name Triple gives `t` (StatusRpcException's own; else Dubbo's mapping of its RpcException code). */
    static String status(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRpcException) return ((StatusRpcException) c).getStatus().code.name();
        }
        return TriRpcStatus.getStatus(t).code.name();
    }

    /** The description of the StatusRpcException in `t`'s chain, or its message. */
    static String description(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRpcException) return ((StatusRpcException) c).getStatus().description;
        }
        return t.getMessage();
    }
}
