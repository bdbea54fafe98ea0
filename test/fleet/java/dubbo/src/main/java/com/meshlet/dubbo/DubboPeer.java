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

/** The shared case runner's view of Dubbo: references by the public API, direct or through a registry. */
final class DubboPeer implements Peer {
    private final Args args;
    private final RegistryConfig registry;
    private final Map<String, Object> refs = new HashMap<>();

    DubboPeer(Args args, RegistryConfig registry) {
        this.args = args;
        this.registry = registry;
    }

    /** One proxy per (interface, group, version, timeout); Dubbo shares the connection between them. */
    synchronized <T> T ref(Class<T> type, String group, String version, int timeoutMs) {
        String key = type.getName() + "/" + group + "/" + version + "/" + timeoutMs;
        Object proxy = refs.get(key);
        if (proxy == null) {
            ReferenceConfig<T> r = new ReferenceConfig<>();
            // Named: Dubbo 2.7's config manager treats id-less configs of one kind as duplicates.
            r.setId(key.replace('/', '-'));
            r.setInterface(type);
            r.setVersion(version);
            if (group != null) r.setGroup(group);
            r.setTimeout(timeoutMs);
            r.setRetries(0);
            r.setCheck(false);
            r.setRegistry(registry);
            if (args.has("connections")) r.setConnections(args.getInt("connections", 1));
            r.setParameters(Fleet.parameters(args));
            // `--target a,b`: one URL per provider (Dubbo's `;`-separated list), a cluster over them.
            if (args.has("target")) {
                StringBuilder urls = new StringBuilder();
                for (String t : args.get("target").split(",")) urls.append(urls.length() == 0 ? "" : ";").append("dubbo://").append(t).append('/').append(type.getName());
                r.setUrl(urls.toString());
                // Over several direct URLs Dubbo 2.7.23 defaults to its zone-aware cluster, which
                // expects registry invokers (ClassCastException on FilterNode): name the cluster.
                if (args.get("target").contains(",")) r.setCluster("failover");
            }
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
    public boolean isTimeout(Throwable t) { return t instanceof RpcException && ((RpcException) t).isTimeout(); }
}
